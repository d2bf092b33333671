package org.cvmfsstargz.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CommandLineTest {
    @Test
    void blanksSeparateArgumentsAndRunsOfThemCountOnce() {
        assertThat(CommandLine.split("  a  b\tc ")).containsExactly("a", "b", "c");
    }

    @Test
    void quotesKeepBlanksAndJoinWithTheirNeighbours() {
        assertThat(CommandLine.split("'/opt/my dir/bin' -x \"a b\"c d'e f'"))
                .containsExactly("/opt/my dir/bin", "-x", "a bc", "de f");
    }

    @Test
    void insideDoubleQuotesOnlyAQuoteOrABackslashIsEscaped() {
        assertThat(CommandLine.split("\"say \\\"hi\\\" \\n\" back\\ slash"))
                .containsExactly("say \"hi\" \\n", "back slash");
    }

    @Test
    void anEmptyQuotedArgumentIsKept() {
        assertThat(CommandLine.split("a '' b")).containsExactly("a", "", "b");
    }

    @Test
    void placeholdersAndDollarsAreLeftAsTheyAre() {
        assertThat(CommandLine.split("snap -address {socket} -x $HOME")).containsExactly("snap", "-address",
                "{socket}", "-x", "$HOME");
    }

    @Test
    void anUnclosedQuoteIsRefused() {
        assertThatThrownBy(() -> CommandLine.split("a 'b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unclosed '");
        assertThatThrownBy(() -> CommandLine.split("a \"b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unclosed \"");
    }
}
