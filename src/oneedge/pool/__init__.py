"""Object pools: the objects oneedge manages, their XML documents and SQL tables."""
