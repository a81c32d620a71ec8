#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Opens kTLS sockets the way an unmodified program does (TCP_ULP "tls" by
# name, then SM4-GCM keys with the uapi's crypto_info), prints
# "ready PORT..." (each kTLS socket's local port) and holds them until
# killed. With --tlcp, a TLCP (0x0101) TX-only socket too, its records
# limited to 4096 bytes (TLS_TX_MAX_PAYLOAD_LEN).
#
# usage: ktls_hold.py [--tlcp]
import os
import socket
import struct
import sys
import time

SOL_TLS, TLS_TX, TLS_RX, TCP_ULP = 282, 1, 2, 31
TLS_TX_MAX_PAYLOAD_LEN = 5
TLS_CIPHER_SM4_GCM = 55


def pair(version, rx):
    ls = socket.create_server(("127.0.0.1", 0))
    c = socket.create_connection(ls.getsockname())
    s, _ = ls.accept()
    s.setsockopt(socket.IPPROTO_TCP, TCP_ULP, b"tls")
    info = struct.pack("=HH8s16s4s8s", version, TLS_CIPHER_SM4_GCM,
                       os.urandom(8), os.urandom(16), os.urandom(4), bytes(8))
    s.setsockopt(SOL_TLS, TLS_TX, info)
    if rx:
        s.setsockopt(SOL_TLS, TLS_RX, info)
    return ls, c, s


keep = [pair(0x0304, True)]
if "--tlcp" in sys.argv[1:]:
    keep.append(pair(0x0101, False))
    keep[-1][2].setsockopt(SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN,
                           struct.pack("=H", 4096))
print("ready", *(k[2].getsockname()[1] for k in keep), flush=True)
time.sleep(600)
