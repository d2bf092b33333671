package org.cvmfsstargz.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchOptionsTest {
    @TempDir
    Path tmp;
    private String jar;

    @BeforeEach
    void createJar() throws IOException {
        jar = Files.createFile(tmp.resolve("daemon.jar")).toString();
    }

    @Test
    void defaultsFitInAMinute() {
        BenchOptions options = BenchOptions.parse(new String[] {"--jar", jar});

        assertThat(options.clients()).containsExactly(1, 8);
        assertThat(options.jitWarmup()).isEqualTo(Duration.ofSeconds(16));
        assertThat(options.warmup()).isEqualTo(new Budget.Timed(Duration.ofSeconds(1)));
        assertThat(options.measure()).isEqualTo(new Budget.Timed(Duration.ofSeconds(7)));
        assertThat(options.jvmOptions()).isEmpty();
        assertThat(options.tmp()).isEqualTo(Path.of("/tmp"));
        assertThat(options.jsonOut()).isEmpty();
    }

    @Test
    void countsAndFractionalSecondsAreAccepted() {
        BenchOptions options = BenchOptions.parse(new String[] {"--jar", jar, "--clients", "2, 4", "--ops", "500",
                "--warmup-ops", "50", "--jit-warmup", "0.5", "--daemon-jvm-option", "-Xmx256m",
                "--daemon-jvm-option", "-XX:+UseSerialGC", "--tmp", tmp.toString()});

        assertThat(options.clients()).containsExactly(2, 4);
        assertThat(options.measure()).isEqualTo(new Budget.Counted(500));
        assertThat(options.warmup()).isEqualTo(new Budget.Counted(50));
        assertThat(options.jitWarmup()).isEqualTo(Duration.ofMillis(500));
        assertThat(options.jvmOptions()).isEqualTo(List.of("-Xmx256m", "-XX:+UseSerialGC"));
    }

    @Test
    void aLaterJarOverridesTheOneTheScriptPasses() {
        assertThat(BenchOptions.parse(new String[] {"--jar", "/nonexistent.jar", "--jar", jar}).daemonJar())
                .isEqualTo(Path.of(jar));
    }

    @Test
    void unknownFlagsAreNamed() {
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--jar", jar, "--durtion", "3"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--durtion");
    }

    @Test
    void theJarIsRequiredAndMustExist() {
        assertThatThrownBy(() -> BenchOptions.parse(new String[0])).hasMessageContaining("--jar is required");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--jar", tmp.resolve("none.jar").toString()}))
                .hasMessageContaining("is not a file");
    }

    @Test
    void badNumbersAreRefused() {
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--jar", jar, "--clients", "1,0"}))
                .hasMessageContaining("--clients");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--jar", jar, "--clients", "one"}))
                .hasMessageContaining("--clients");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--jar", jar, "--duration", "-1"}))
                .hasMessageContaining("--duration");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--jar", jar, "--ops", "0"}))
                .hasMessageContaining("more than zero");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--jar", jar, "--warmup"}))
                .hasMessageContaining("--warmup needs a value");
    }
}
