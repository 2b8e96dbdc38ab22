"""The information manager: host monitoring through the IM drivers."""
