DROP TABLE outbox_cursors;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
