"""The bundled small guest: a Debian cloud kernel and a busybox initramfs that reads
OpenNebula's context CD-ROM (``build``), and the first-start set-up that offers it
as an image and a VM template (``firstrun``)."""
