"""Hook manager: the event bus, the ZeroMQ event stream and (later) hook execution."""
