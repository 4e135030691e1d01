//! JSON-RPC 2.0 over websocket, in the dialect of Brayns.
