package org.cvmfsstargz.bench.compare;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.cvmfsstargz.bench.compare.ImageRecipe.LayerRecipe;
import org.cvmfsstargz.bench.compare.ImageRecipe.Workload;

/**
 * The three images of the comparison, built from Debian 12's packages: a Python application, a
 * JDK with build tools, and compilers with numpy and LLVM. Each starts from the same base layer,
 * about what {@code debootstrap --variant=minbase} installs (Debian's required packages). Stateless.
 */
final class ImageCatalog {
    static final String JDK = "jdk";
    static final String JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64";
    private static final String MULTIARCH = "usr/lib/x86_64-linux-gnu/";

    private static final LayerRecipe BASE = new LayerRecipe("base", List.of("base-files", "base-passwd", "bash",
            "bsdutils", "coreutils", "dash", "debianutils", "diffutils", "dpkg", "findutils", "grep", "gzip", "hostname",
            "libc-bin", "login", "mawk", "ncurses-base", "ncurses-bin", "perl-base", "sed", "sysvinit-utils", "tar",
            "util-linux"), Map.of(), Map.of(
                    "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
                    "etc/group", "root:x:0:\nnogroup:x:65534:\n"));

    private static final ImageRecipe PYTHON = new ImageRecipe("python",
            "a Python application: python3 and pure-Python libraries (web, templates, YAML, SQL, i18n)",
            List.of(BASE,
                    new LayerRecipe("python3", List.of("python3", "ca-certificates")),
                    new LayerRecipe("app", List.of("python3-yaml", "python3-requests", "python3-jinja2",
                            "python3-click", "python3-flask", "python3-sqlalchemy", "python3-pygments", "python3-babel",
                            "python3-dateutil"))),
            new Workload("python3 -c \"import sys, json, sqlite3, ssl, hashlib, decimal, asyncio, csv, logging,"
                    + " argparse, email.mime.multipart, http.client, xml.etree.ElementTree, yaml, requests, jinja2,"
                    + " click, flask, sqlalchemy, pygments.lexers, babel.dates, dateutil.parser;"
                    + " print('ready', sys.version.split()[0])\"", Pattern.compile("ready 3\\.\\d+\\.\\d+")));

    private static final ImageRecipe JDK_IMAGE = new ImageRecipe(JDK,
            "a JDK with build tools: OpenJDK 17, Maven, Ant, Gradle, Groovy, git, in 6 layers",
            List.of(BASE,
                    new LayerRecipe("jre", List.of("openjdk-17-jre-headless"),
                            Map.of("usr/bin/java", JAVA_HOME + "/bin/java"), Map.of()),
                    new LayerRecipe("jdk", List.of("openjdk-17-jdk-headless"),
                            Map.of("usr/bin/javac", JAVA_HOME + "/bin/javac", "usr/bin/jar", JAVA_HOME + "/bin/jar"),
                            Map.of()),
                    new LayerRecipe("maven", List.of("maven", "ant", "ant-optional")),
                    new LayerRecipe("gradle", List.of("gradle", "groovy")),
                    new LayerRecipe("tools", List.of("git", "unzip", "junit4", "libeclipse-jdt-core-java",
                            "libcommons-lang3-java"))),
            new Workload(JAVA_HOME + "/bin/java -version 2>&1",
                    Pattern.compile("(?s)openjdk version \"17\\..*")));

    private static final ImageRecipe COMPILERS = new ImageRecipe("compilers",
            "compilers: GCC, G++, gfortran, CMake, Clang/LLVM 14, numpy, scipy (with pythran, Boost headers),"
                    + " Go's sources, kernel headers",
            List.of(BASE,
                    new LayerRecipe("toolchain", List.of("gcc", "g++", "libc6-dev", "gfortran", "make", "cmake")),
                    new LayerRecipe("llvm", List.of("clang", "llvm")),
                    new LayerRecipe("numpy", List.of("python3-numpy"),
                            Map.of(MULTIARCH + "libblas.so.3", "blas/libblas.so.3",
                                    MULTIARCH + "liblapack.so.3", "lapack/liblapack.so.3"), Map.of()),
                    // scipy brings pythran, whose C++ needs the Boost headers (14,300 files) and OpenBLAS.
                    new LayerRecipe("scipy", List.of("python3-scipy")),
                    // Sources a build image carries: Go's standard library (11,700 files) and the kernel's
                    // headers (16,000), so that the image has more than 50,000 small files, as the issue asks.
                    new LayerRecipe("sources", List.of("golang-1.19-src", "linux-headers-amd64"))),
            new Workload("cd /tmp && printf '#include <stdio.h>\\nint main(int c, char **v) {"
                    + " printf(\"hello, numpy %%s\\\\n\", v[1]); return 0; }\\n' > hello.c"
                    + " && clang -O2 -o hello hello.c"
                    + " && ./hello \"$(python3 -c 'import numpy; print(numpy.__version__)')\"",
                    Pattern.compile("hello, numpy \\d+\\.\\d+\\.\\d+")));

    private static final List<ImageRecipe> ALL = List.of(PYTHON, JDK_IMAGE, COMPILERS);

    private ImageCatalog() {}

    static List<String> names() {
        return ALL.stream().map(ImageRecipe::name).toList();
    }

    static ImageRecipe recipe(String name) {
        return ALL.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("--images takes " + String.join(",", names()) + ", got \"" + name
                        + "\""));
    }

    /** The whole-image read of the read section: every regular file under /usr, with its byte count and duration. */
    static Workload wholeImageRead() {
        return new Workload("a=$(cat /proc/uptime); n=$(find /usr -type f -exec cat {} + | wc -c);"
                + " b=$(cat /proc/uptime); echo \"read $n ${a%% *} ${b%% *}\"",
                Pattern.compile("read (\\d+) (\\d+\\.\\d+) (\\d+\\.\\d+)"));
    }
}
