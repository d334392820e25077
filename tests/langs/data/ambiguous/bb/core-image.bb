SUMMARY = "A small image"
LICENSE = "MIT"
inherit core-image
IMAGE_INSTALL += "openssh"
