DROP TRIGGER change_log_notify ON change_log;
DROP FUNCTION masthead_notify_change();
DROP TABLE outbox_cursors;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
