/* SPDX-License-Identifier: MIT */
/* The version of vagus, shown by `vagus --version` (and later vagusd). */
#ifndef VAGUS_VERSION_H
#define VAGUS_VERSION_H

#ifndef VG_VERSION
#define VG_VERSION "0.1.0"
#endif

#endif
