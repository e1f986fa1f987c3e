#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A copy of a ringvmm binary with another version string, for the live
update tests: `reversion.py SRC DST` writes DST, SRC with every copy of
its version (as `SRC --version` prints it) replaced by one of the same
length that differs (upd2...), and prints the new version. Same length:
nothing else in the binary moves, so it runs as SRC does."""
import os
import subprocess
import sys

src, dst = sys.argv[1], sys.argv[2]
out = subprocess.run([src, '--version'], capture_output=True, text=True, check=True).stdout
old = out.split()[1].encode()
new = (b'upd2-' + old)[:len(old)]
if len(old) < 4 or new == old:
    sys.exit('version %r too short to change' % old)
data = open(src, 'rb').read()
n = data.count(old)
if n == 0:
    sys.exit('version %r not found in %s' % (old, src))
with open(dst, 'wb') as f:
    f.write(data.replace(old, new))
os.chmod(dst, 0o755)
print(new.decode())
