//! The TLS dissector: turns bytes seen on the wire into a tree of annotated fields.
