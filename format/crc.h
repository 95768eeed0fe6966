#ifndef NX_FORMAT_CRC_H	/* format/crc.h: CRC-32C (Castagnoli), as in iSCSI, ext4, SCTP */
#define NX_FORMAT_CRC_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of len bytes, continuing from crc (start with 0). The check value
 * of "123456789" is 0xe3069283. */
uint32_t nxr_crc32c(uint32_t crc, const void *buf, size_t len);
/* The same through the portable table path only (nxr_crc32c may use the
 * CPU's crc32 instruction); for tests that compare the two. */
uint32_t nxr_crc32c_sw(uint32_t crc, const void *buf, size_t len);

#endif
