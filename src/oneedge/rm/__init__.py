"""Request manager: the API core (``rm.api``) and its XML-RPC transport (``rm.xmlrpc``)."""
