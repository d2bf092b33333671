package org.cvmfsstargz.bench.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartupOptionsTest {
    @TempDir
    Path tmp;
    private String jar;

    @BeforeEach
    void createJar() throws IOException {
        jar = Files.createFile(tmp.resolve("daemon.jar")).toString();
    }

    private StartupOptions parse(String... more) {
        String[] args = new String[more.length + 2];
        args[0] = "--jar";
        args[1] = jar;
        System.arraycopy(more, 0, args, 2, more.length);
        return StartupOptions.parse(args);
    }

    @Test
    void theDefaultsAreThreeStartUpsOfAGibibyteImageOfFortyThousandFiles() {
        StartupOptions options = parse();

        assertThat(options.repeat()).isEqualTo(3);
        assertThat(options.baseline()).isEqualTo("cvmfs");
        assertThat(options.image()).isEqualTo(new ImageSpec(5, 40_000, 1L << 30, 1));
        assertThat(options.tmp()).isEqualTo(Path.of("/tmp"));
        assertThat(options.imageDir()).isEmpty();
        assertThat(options.jsonOut()).isEmpty();
        assertThat(options.java()).isEqualTo(Path.of(System.getProperty("java.home"), "bin", "java"));
    }

    @Test
    void everyOptionIsRead() {
        StartupOptions options = parse("--repeat", "5", "--baseline", "overlayfs", "--image-mib", "2048",
                "--image-files", "1000", "--image-layers", "3", "--image-seed", "42", "--image-dir",
                tmp.resolve("img").toString(), "--json-out", tmp.resolve("runs.jsonl").toString(), "--tmp",
                tmp.toString());

        assertThat(options.repeat()).isEqualTo(5);
        assertThat(options.baseline()).isEqualTo("overlayfs");
        assertThat(options.image()).isEqualTo(new ImageSpec(3, 1000, 2048L << 20, 42));
        assertThat(options.imageDir()).contains(tmp.resolve("img"));
        assertThat(options.jsonOut()).contains(tmp.resolve("runs.jsonl"));
        assertThat(options.tmp()).isEqualTo(tmp);
    }

    @Test
    void badValuesAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> parse("--repeat", "0")).hasMessageContaining("--repeat must be 1 to 50");
        assertThatThrownBy(() -> parse("--repeat", "many")).hasMessageContaining("--repeat takes a whole number");
        assertThatThrownBy(() -> parse("--repeat", "-1")).hasMessageContaining("--repeat takes a whole number");
        assertThatThrownBy(() -> parse("--baseline", "native")).hasMessageContaining("--baseline must be one of");
        assertThatThrownBy(() -> parse("--image-mib", "0")).hasMessageContaining("--image-mib too small");
        assertThatThrownBy(() -> parse("--image-files", "3")).hasMessageContaining("--image-files");
        assertThatThrownBy(() -> parse("--image-layers", "0")).hasMessageContaining("--image-layers");
        assertThatThrownBy(() -> parse("--tmp", tmp.resolve("missing").toString())).hasMessageContaining("--tmp");
        assertThatThrownBy(() -> parse("--image-dir", jar)).hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> parse("--java", tmp.resolve("nojava").toString())).hasMessageContaining("--java");
        assertThatThrownBy(() -> parse("--repeat")).hasMessageContaining("--repeat needs a value");
        assertThatThrownBy(() -> parse("--clients", "1")).hasMessageContaining("unknown option --clients");
    }

    @Test
    void theDaemonJarIsRequiredAndMustExist() {
        assertThatThrownBy(() -> StartupOptions.parse(new String[0])).hasMessageContaining("--jar is required");
        assertThatThrownBy(() -> StartupOptions.parse(new String[] {"--jar", tmp.resolve("no.jar").toString()}))
                .hasMessageContaining("is not a file");
    }

    @Test
    void theUsageListsEveryOption() {
        for (String option : new String[] {"--jar", "--java", "--tmp", "--repeat", "--baseline", "--image-mib",
                "--image-files", "--image-layers", "--image-seed", "--image-dir", "--json-out", "--help"}) {
            assertThat(StartupOptions.USAGE).contains(option + " ");
        }
    }
}
