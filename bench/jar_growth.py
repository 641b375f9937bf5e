#!/usr/bin/env python3
"""What a client library adds to the shaded jar: the jars of its dependency tree that the jar does not hold
yet (by groupId:artifactId, from the META-INF/maven/*/*/pom.properties the shade plugin keeps, or because every
class of the jar is in it already: Bouncy Castle's jars carry no Maven metadata), their bytes,
and the growth of the shaded jar itself when their entries (and the candidate's own classes) are added the way
the shade plugin adds them (signatures and module-info left out, first entry of a name wins, deflated).

usage: jar_growth.py SHADED_JAR CLASSPATH_FILE CLASSES_DIR PATTERN... ; prints "jars N", "jar_bytes B",
"shaded_growth_bytes B" lines. PATTERNs (fnmatch, relative to CLASSES_DIR) name the candidate's own classes.
"""
import fnmatch
import os
import sys
import zipfile

SKIP = ("META-INF/MANIFEST.MF", "module-info.class")


def keep(name):
    if name.endswith("/") or name in SKIP or name.endswith("/module-info.class"):
        return False
    return not (name.startswith("META-INF/") and name.rsplit(".", 1)[-1] in ("SF", "DSA", "RSA"))


def shipped(jar):
    with zipfile.ZipFile(jar) as z:
        return {tuple(n.split("/")[2:4]) for n in z.namelist()
                if n.startswith("META-INF/maven/") and n.endswith("/pom.properties")}


def classes_in(jar):
    with zipfile.ZipFile(jar) as z:
        return {n for n in z.namelist() if n.endswith(".class") and keep(n)}


def coordinates(path):
    parts = path.split(os.sep)
    i = parts.index("repository")
    return ".".join(parts[i + 1:-3]), parts[-3]


def copy_into(out, names, source):
    for info in source.infolist():
        if keep(info.filename) and info.filename not in names:
            names.add(info.filename)
            out.writestr(info.filename, source.read(info), zipfile.ZIP_DEFLATED)


def main(shaded, cp_file, classes, patterns):
    have = shipped(shaded)
    with zipfile.ZipFile(shaded) as z:
        shaded_names = set(z.namelist())
    jars = [p for p in open(cp_file).read().strip().split(":")
            if p and coordinates(p) not in have and not (classes_in(p) and classes_in(p) <= shaded_names)]
    own = [os.path.join(root, f) for root, _, files in os.walk(classes) for f in files
           if any(fnmatch.fnmatch(os.path.relpath(os.path.join(root, f), classes), p) for p in patterns)]
    sizes = []
    for extra in (False, True):
        out_path = shaded + (".grown" if extra else ".base") + ".tmp"
        names = set()
        with zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as out, zipfile.ZipFile(shaded) as base:
            copy_into(out, names, base)
            if extra:
                for jar in jars:
                    with zipfile.ZipFile(jar) as z:
                        copy_into(out, names, z)
                for f in own:
                    name = os.path.relpath(f, classes)
                    if name not in names:
                        names.add(name)
                        out.write(f, name)
        sizes.append(os.path.getsize(out_path))
        os.remove(out_path)
    print("jars", len(jars))
    print("jar_bytes", sum(os.path.getsize(j) for j in jars) + sum(os.path.getsize(f) for f in own))
    print("shaded_growth_bytes", sizes[1] - sizes[0])
    for jar in jars:
        print("jar", "%s:%s" % coordinates(jar), os.path.getsize(jar))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
