#!/usr/bin/env bash
# Refreshes the GraphiQL explorer Masthead serves itself (so /graphql works offline and
# behind strict proxies), from the npm packages at the versions named here. GraphiQL 3 is the
# last release with a browser build that needs no bundler. After a change of version, rename
# the files in src/graphql/explorer.rs too.
set -euo pipefail
cd "$(dirname "$0")"
GRAPHIQL=3.9.0
REACT=18.3.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null)
for pkg in graphiql react react-dom; do
  mkdir -p "$tmp/$pkg" && tar xzf "$tmp/$pkg"-*.tgz -C "$tmp/$pkg"
done
cp "$tmp/graphiql/package/graphiql.min.js" "graphiql-$GRAPHIQL.min.js"
cp "$tmp/graphiql/package/graphiql.min.css" "graphiql-$GRAPHIQL.min.css"
cp "$tmp/react/package/umd/react.production.min.js" "react-$REACT.min.js"
cp "$tmp/react-dom/package/umd/react-dom.production.min.js" "react-dom-$REACT.min.js"
cp "$tmp/graphiql/package/LICENSE" LICENSE-graphiql
cp "$tmp/react/package/LICENSE" LICENSE-react
