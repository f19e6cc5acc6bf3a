#!/usr/bin/python3
# shift-ids.py DIR SHIFT: add SHIFT to the owner and group of every file below DIR
# (one file system, symlinks not followed), for an image whose root is host uid/gid
# SHIFT in a user namespace. chown(2) clears set-user-ID/set-group-ID bits and file
# capabilities, so the mode and the security.capability attribute are put back
# afterwards; the user and group entries of POSIX ACLs (/var/log/journal has them) are
# shifted too. An id that would leave the 65536 ids of the mapping is an error.
import os
import struct
import sys

SIZE = 65536
ACL_XATTRS = ("system.posix_acl_access", "system.posix_acl_default")
ACL_USER, ACL_GROUP = 0x02, 0x08


def shift_id(i, shift, path):
    if i >= SIZE:
        sys.exit(f"shift-ids: {path}: id {i} is outside the mapping's {SIZE} ids")
    return i + shift


def shift_acl(value, shift, path):
    # struct posix_acl_xattr_header { u32 version } + entries { u16 tag, u16 perm, u32 id }
    out = bytearray(value[:4])
    for off in range(4, len(value), 8):
        tag, perm, ident = struct.unpack_from("<HHI", value, off)
        if tag in (ACL_USER, ACL_GROUP):
            ident = shift_id(ident, shift, path)
        out += struct.pack("<HHI", tag, perm, ident)
    return bytes(out)


def shift_one(path, shift, seen):
    st = os.lstat(path)
    if st.st_nlink > 1 and not os.path.isdir(path):
        if (st.st_dev, st.st_ino) in seen:   # a hard link to a file already shifted
            return
        seen.add((st.st_dev, st.st_ino))
    link = os.path.islink(path)
    names = os.listxattr(path, follow_symlinks=False)
    saved = {n: os.getxattr(path, n, follow_symlinks=False) for n in names}
    os.lchown(path, shift_id(st.st_uid, shift, path), shift_id(st.st_gid, shift, path))
    if link:
        return
    os.chmod(path, st.st_mode & 0o7777)
    for n, v in saved.items():
        if n in ACL_XATTRS:
            v = shift_acl(v, shift, path)
        elif n != "security.capability":
            continue
        os.setxattr(path, n, v, follow_symlinks=False)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: shift-ids.py DIR SHIFT")
    top, shift = sys.argv[1], int(sys.argv[2])
    dev = os.lstat(top).st_dev
    seen = set()
    shift_one(top, shift, seen)
    for d, dirs, files in os.walk(top):
        dirs[:] = [x for x in dirs if os.lstat(os.path.join(d, x)).st_dev == dev]
        for name in dirs + files:
            shift_one(os.path.join(d, name), shift, seen)


main()
