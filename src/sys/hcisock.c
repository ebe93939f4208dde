/* SPDX-License-Identifier: MIT */
#include "sys/hcisock.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>

/*
 * struct sockaddr_hci with its channel, as mgmt-api.txt's example lays it
 * out; spelled out here so older libbluetooth headers (without
 * hci_channel) build too.
 */
struct hci_addr {
	sa_family_t hci_family;
	unsigned short hci_dev;
	unsigned short hci_channel;
};

int vg_hcisock_new(void)
{
	int fd = socket(PF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			BTPROTO_HCI);
	return fd < 0 ? -errno : fd;
}

int vg_hcisock_bind(int fd, uint16_t dev, uint16_t channel)
{
	struct hci_addr addr;

	memset(&addr, 0, sizeof(addr));
	addr.hci_family = AF_BLUETOOTH;
	addr.hci_dev = dev;
	addr.hci_channel = channel;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -errno;
	return 0;
}

int vg_hcisock_open(uint16_t dev, uint16_t channel)
{
	int fd = vg_hcisock_new(), err;

	if (fd < 0)
		return fd;
	err = vg_hcisock_bind(fd, dev, channel);
	if (err < 0) {
		close(fd);
		return err;
	}
	return fd;
}

int vg_hcisock_open_mgmt(void)
{
	return vg_hcisock_open(HCI_DEV_NONE, VG_HCI_CHANNEL_CONTROL);
}
