"""OpenNebula's contextualization CD-ROM: ``context.sh`` from the VM document (``script``,
pure) and the ISO 9660 image holding it and the context files (``iso``)."""
