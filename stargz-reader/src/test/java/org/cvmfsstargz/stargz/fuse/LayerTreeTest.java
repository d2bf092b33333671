package org.cvmfsstargz.stargz.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cvmfsstargz.stargz.format.Prefetch;
import org.cvmfsstargz.stargz.format.TestBlob;
import org.cvmfsstargz.stargz.format.Toc;
import org.junit.jupiter.api.Test;

class LayerTreeTest {
    private static final Instant MODTIME = Instant.parse(TestBlob.MODTIME);

    private static TestBlob sampleLayer() {
        return TestBlob.layer()
                .dir("etc/")
                .file("etc/hostname", "box\n")
                .file("etc/.wh.passwd", "")
                .file("etc/.wh.shadow", "")
                .file("etc/shadow", "root:*:\n")
                .dir("opt/")
                .file("opt/.wh..wh..opq", "")
                .file("opt/app", "app")
                .file("opt/.wh..wh.plnk", "")
                .file("bin/tool", "tool bytes")
                .hardlink("bin/alias", "bin/tool")
                .symlink("bin/sh", "/bin/busybox")
                .device("char", "dev/null", 1, 3)
                .device("block", "dev/big", 259, 65_536)
                .fifo("run/fifo")
                .file("var/lib/secret", "s", Map.of("mode", 04750, "uid", 1000, "gid", 2000))
                .file("var/lib/.prefetch.landmark", "not a landmark here")
                .file("tagged", "x", Map.of("xattrs", Map.of("user.colour", TestBlob.base64("blue"),
                        "security.capability", TestBlob.base64("cap"))))
                .landmark(Prefetch.LANDMARK);
    }

    private static LayerTree tree() throws Exception {
        return new LayerTree(sampleLayer().build().read());
    }

    private static LayerNode node(LayerTree tree, String path) {
        return tree.resolve(path).orElseThrow(() -> new AssertionError("no node at " + path));
    }

    private static List<String> names(List<LayerNode> nodes) {
        return nodes.stream().map(LayerNode::name).toList();
    }

    @Test
    void aWhiteoutIsShownAsARootOwnedCharacterDeviceZeroZeroUnderTheDeletedName() throws Exception {
        LayerTree tree = tree();
        Toc toc = tree.toc();
        LayerNode etc = node(tree, "etc");

        LayerNode passwd = tree.lookup(etc.inode(), "passwd").orElseThrow();

        assertThat(passwd).isInstanceOf(LayerNode.Whiteout.class);
        long markerInode = toc.lookup("etc/.wh.passwd").orElseThrow().inode();
        assertThat(tree.attributes(passwd)).isEqualTo(
                new NodeAttributes(markerInode, NodeAttributes.S_IFCHR, 1, 0, 0, 0, MODTIME, 0));
        assertThat(passwd.regularFile()).isEmpty();
        assertThat(tree.xattrs(passwd)).isEmpty();
        assertThat(names(tree.children(etc.inode()))).containsExactly("hostname", "passwd", "shadow");
    }

    @Test
    void aRealNameInTheSameDirectoryWinsOverItsWhiteout() throws Exception {
        LayerTree tree = tree();
        LayerNode etc = node(tree, "etc");

        LayerNode shadow = tree.lookup(etc.inode(), "shadow").orElseThrow();

        assertThat(shadow).isInstanceOf(LayerNode.Entry.class);
        assertThat(tree.attributes(shadow).mode()).isEqualTo(NodeAttributes.S_IFREG | 0644);
        assertThat(tree.children(etc.inode())).filteredOn(n -> n.name().equals("shadow"))
                .singleElement().isInstanceOf(LayerNode.Entry.class);
    }

    @Test
    void anOpaqueDirectoryHidesItsMarkerAndAnswersBothOverlayOpaqueXattrs() throws Exception {
        LayerTree tree = tree();
        LayerNode opt = node(tree, "opt");

        assertThat(names(tree.children(opt.inode()))).containsExactly("app");
        assertThat(tree.lookup(opt.inode(), LayerTree.OPAQUE_MARKER)).isEmpty();
        assertThat(tree.isOpaque(opt.inode())).isTrue();
        assertThat(tree.xattr(opt, LayerTree.TRUSTED_OPAQUE)).hasValueSatisfying(v -> assertThat(v).asString().isEqualTo("y"));
        assertThat(tree.xattr(opt, LayerTree.USER_OPAQUE)).hasValueSatisfying(v -> assertThat(v).asString().isEqualTo("y"));
        assertThat(tree.xattrs(opt)).containsOnlyKeys(LayerTree.TRUSTED_OPAQUE, LayerTree.USER_OPAQUE);

        LayerNode etc = node(tree, "etc");
        assertThat(tree.isOpaque(etc.inode())).isFalse();
        assertThat(tree.xattr(etc, LayerTree.TRUSTED_OPAQUE)).isEmpty();
        assertThat(tree.xattr(node(tree, "opt/app"), LayerTree.TRUSTED_OPAQUE)).isEmpty();
    }

    @Test
    void hiddenNamesCannotBeLookedUp() throws Exception {
        LayerTree tree = tree();
        long etc = node(tree, "etc").inode();
        long opt = node(tree, "opt").inode();

        assertThat(tree.lookup(etc, ".wh.passwd")).isEmpty();
        assertThat(tree.lookup(opt, ".wh..wh.plnk")).isEmpty();
        assertThat(tree.lookup(Toc.ROOT_INODE, Prefetch.LANDMARK)).isEmpty();
        for (String odd : List.of("", ".", "..", "etc/hostname", "missing")) {
            assertThat(tree.lookup(Toc.ROOT_INODE, odd)).as(odd).isEmpty();
        }
        assertThat(tree.resolve("/etc/.wh.passwd")).isEmpty();
    }

    @Test
    void theLandmarksAreHiddenAtTheRootOnly() throws Exception {
        LayerTree tree = tree();

        assertThat(names(tree.children(Toc.ROOT_INODE)))
                .containsExactly("etc", "opt", "bin", "dev", "run", "var", "tagged");
        assertThat(names(tree.children(node(tree, "var/lib").inode()))).containsExactly("secret", Prefetch.LANDMARK);
        assertThat(tree.resolve("var/lib/" + Prefetch.LANDMARK)).isPresent();
    }

    @Test
    void hardLinksShareTheirInodeAndCountTheirLinks() throws Exception {
        LayerTree tree = tree();

        LayerNode tool = node(tree, "bin/tool");
        LayerNode alias = node(tree, "bin/alias");

        assertThat(alias.name()).isEqualTo("alias");
        assertThat(alias.inode()).isEqualTo(tool.inode());
        assertThat(tree.attributes(alias)).isEqualTo(tree.attributes(tool));
        assertThat(tree.attributes(tool).nlink()).isEqualTo(2);
        assertThat(tree.children(node(tree, "bin").inode()))
                .extracting(LayerNode::name, LayerNode::inode)
                .contains(tuple("tool", tool.inode()),
                        tuple("alias", tool.inode()));
    }

    @Test
    void aDirectoryCountsTwoLinksPlusOnePerSubdirectory() throws Exception {
        LayerTree tree = tree();

        assertThat(tree.attributes(tree.root()).nlink()).isEqualTo(2 + 6);
        assertThat(tree.attributes(node(tree, "var")).nlink()).isEqualTo(3);
        assertThat(tree.attributes(node(tree, "var/lib")).nlink()).isEqualTo(2);
    }

    @Test
    void aSymlinkShowsItsTargetAndTheTargetsLengthAsItsSize() throws Exception {
        LayerTree tree = tree();

        LayerNode sh = node(tree, "bin/sh");

        assertThat(sh.linkTarget()).contains("/bin/busybox");
        NodeAttributes attributes = tree.attributes(sh);
        assertThat(attributes.mode()).isEqualTo(NodeAttributes.S_IFLNK | 0777);
        assertThat(attributes.size()).isEqualTo("/bin/busybox".length());
        assertThat(node(tree, "bin/tool").linkTarget()).isEmpty();
    }

    @Test
    void devicesAndFifosKeepTheirTypeAndDeviceNumbers() throws Exception {
        LayerTree tree = tree();

        NodeAttributes nul = tree.attributes(node(tree, "dev/null"));
        NodeAttributes big = tree.attributes(node(tree, "dev/big"));
        NodeAttributes fifo = tree.attributes(node(tree, "run/fifo"));

        assertThat(nul.mode() & NodeAttributes.TYPE_MASK).isEqualTo(NodeAttributes.S_IFCHR);
        assertThat(nul.rdev()).isEqualTo(0x103);
        assertThat(big.mode() & NodeAttributes.TYPE_MASK).isEqualTo(NodeAttributes.S_IFBLK);
        assertThat(big.rdev()).isEqualTo(0x1001_0300L);
        assertThat(fifo.mode()).isEqualTo(NodeAttributes.S_IFIFO | 0644);
        assertThat(fifo.rdev()).isZero();
    }

    @Test
    void aRegularFileShowsItsModeBitsOwnerSizeBlocksAndTime() throws Exception {
        LayerTree tree = tree();

        LayerNode secret = node(tree, "var/lib/secret");

        assertThat(tree.attributes(secret)).isEqualTo(new NodeAttributes(secret.inode(),
                NodeAttributes.S_IFREG | 04750, 1, 1000, 2000, 1, MODTIME, 0));
        assertThat(tree.attributes(secret).blocks()).isEqualTo(1);
        assertThat(secret.regularFile()).hasValueSatisfying(e -> assertThat(e.path()).isEqualTo("var/lib/secret"));
    }

    @Test
    void directoriesImpliedByPathsAreRootOwned0755() throws Exception {
        LayerTree tree = tree();

        NodeAttributes var = tree.attributes(node(tree, "var"));

        assertThat(var.mode()).isEqualTo(NodeAttributes.S_IFDIR | 0755);
        assertThat(var.uid()).isZero();
        assertThat(var.gid()).isZero();
        assertThat(node(tree, "var").isDirectory()).isTrue();
    }

    @Test
    void xattrsComeFromTheTocInItsOrder() throws Exception {
        LayerTree tree = tree();

        LayerNode tagged = node(tree, "tagged");

        assertThat(tree.xattr(tagged, "user.colour")).hasValueSatisfying(v -> assertThat(v).asString().isEqualTo("blue"));
        assertThat(tree.xattr(tagged, "user.missing")).isEmpty();
        assertThat(tree.xattrs(tagged)).containsOnlyKeys("user.colour", "security.capability");
        assertThat(tree.xattrs(node(tree, "etc/hostname"))).isEmpty();
    }

    @Test
    void inodeNumbersAreTheSameForTwoBuildsOfTheSameToc() throws Exception {
        LayerTree first = tree();
        LayerTree second = tree();

        assertThat(listing(second, second.root(), "")).isEqualTo(listing(first, first.root(), "")).hasSize(20);
    }

    private static List<String> listing(LayerTree tree, LayerNode dir, String prefix) {
        List<String> lines = new ArrayList<>();
        for (LayerNode child : tree.children(dir.inode())) {
            lines.add(prefix + child.name() + " " + child.inode() + " 0" + Integer.toOctalString(tree.attributes(child).mode()));
            if (child.isDirectory()) {
                lines.addAll(listing(tree, child, prefix + child.name() + "/"));
            }
        }
        return lines;
    }

    @Test
    void pathsResolveOneNameAtATimeFromTheRoot() throws Exception {
        LayerTree tree = tree();

        assertThat(tree.resolve("/")).contains(tree.root());
        assertThat(tree.resolve("")).contains(tree.root());
        assertThat(tree.resolve("//etc//hostname/").orElseThrow().inode())
                .isEqualTo(tree.resolve("/etc/hostname").orElseThrow().inode());
        assertThat(tree.resolve("/etc/passwd")).containsInstanceOf(LayerNode.Whiteout.class);
        assertThat(tree.resolve("/etc/hostname/more")).isEmpty();
        assertThat(tree.resolve("/etc/passwd/more")).isEmpty();
        assertThat(tree.resolve("/nowhere/x")).isEmpty();
    }

    @Test
    void totalsCountEachFileOnceAndEveryName() throws Exception {
        LayerTree tree = tree();

        long expected = "box\n".length() + "root:*:\n".length() + "app".length() + "tool bytes".length() + 1
                + "not a landmark here".length() + 1 + 1;
        assertThat(tree.totalFileBytes()).isEqualTo(expected);
        assertThat(tree.nameCount()).isEqualTo(tree.toc().nameCount());
    }

    @Test
    void aWhiteoutOfNothingOrOfAnotherMarkerIsNotShown() throws Exception {
        LayerTree tree = new LayerTree(TestBlob.layer()
                .file("d/.wh.", "")
                .file("d/.wh..wh..opq", "")
                .file("d/.wh.real", "")
                .build().read());

        long d = tree.resolve("d").orElseThrow().inode();

        assertThat(names(tree.children(d))).containsExactly("real");
        assertThat(tree.lookup(d, "")).isEmpty();
        assertThat(tree.resolve("d/real")).containsInstanceOf(LayerNode.Whiteout.class);
    }
}
