package org.cvmfsstargz.snapshotter.core.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.cvmfsstargz.snapshotter.core.Kind;
import org.cvmfsstargz.snapshotter.core.SnapshotException;
import org.cvmfsstargz.snapshotter.core.SnapshotInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SnapshotFilterTest {

    private static final String GC_ROOT = "containerd.io/gc.root";
    private static final Map<String, String> ROOT = Map.of(GC_ROOT, "check-walk");

    /** The snapshots containerd's conformance suite builds in checkWalk. */
    private static final List<SnapshotInfo> WALK = List.of(
            snapshot("a-np", "", Kind.ACTIVE, ROOT),
            snapshot("p", "", Kind.COMMITTED, ROOT),
            snapshot("a", "p", Kind.ACTIVE, ROOT),
            snapshot("v", "p", Kind.VIEW, ROOT),
            snapshot("p-wl", "", Kind.COMMITTED, Map.of("l", "1", GC_ROOT, "check-walk")),
            snapshot("a-wl", "p-wl", Kind.ACTIVE, Map.of("l", "2", GC_ROOT, "check-walk")),
            snapshot("v-wl", "p-wl", Kind.VIEW, Map.of("l", "3", GC_ROOT, "check-walk")),
            snapshot("a-np-wl", "", Kind.ACTIVE, Map.of("l", "2", GC_ROOT, "check-walk")));

    static Stream<Arguments> conformanceWalkCases() {
        return Stream.of(
                Arguments.of(List.of("labels.\"containerd.io/gc.root\"==check-walk"),
                        List.of("a-np", "p", "a", "v", "p-wl", "a-wl", "v-wl", "a-np-wl")),
                Arguments.of(List.of("kind==active,labels.\"containerd.io/gc.root\"==check-walk"),
                        List.of("a-np", "a", "a-wl", "a-np-wl")),
                Arguments.of(List.of("kind==view,labels.\"containerd.io/gc.root\"==check-walk"), List.of("v", "v-wl")),
                Arguments.of(List.of("kind==committed,labels.\"containerd.io/gc.root\"==check-walk"),
                        List.of("p", "p-wl")),
                Arguments.of(List.of("name==p", "name==a-np-wl"), List.of("p", "a-np-wl")),
                Arguments.of(List.of("name==a-wl,labels.l"), List.of("a-wl")),
                Arguments.of(List.of("parent==p"), List.of("a", "v")),
                Arguments.of(List.of("parent!=\"\",labels.\"containerd.io/gc.root\"==check-walk"),
                        List.of("a", "v", "a-wl", "v-wl")),
                Arguments.of(List.of("labels.l"), List.of("p-wl", "a-wl", "v-wl", "a-np-wl")),
                Arguments.of(List.of("labels.l==2"), List.of("a-wl", "a-np-wl")));
    }

    @ParameterizedTest(name = "conformance Walk filter {0} selects {1}")
    @MethodSource("conformanceWalkCases")
    void conformanceWalkFiltersSelectWhatContainerdExpects(List<String> filters, List<String> expected) {
        assertThat(walk(filters)).containsExactlyElementsOf(expected);
    }

    @Test
    void anEmptyListMatchesEverySnapshot() {
        assertThat(walk(List.of())).hasSize(WALK.size());
    }

    @Test
    void aListOfEmptyStringsMatchesEverySnapshot() {
        assertThat(walk(List.of("", ""))).hasSize(WALK.size());
    }

    @Test
    void anEmptyStringBesideAnotherFilterStillMatchesEverySnapshotAsInContainerd() {
        assertThat(walk(List.of("name==p", ""))).hasSize(WALK.size());
    }

    @Test
    void selectorsInOneStringAreAndedAndStringsAreOred() {
        assertThat(walk(List.of("kind==view,labels.l==3", "kind==committed,parent==\"\",labels.l")))
                .containsExactly("p-wl", "v-wl");
    }

    @Test
    void parentEqualToEmptySelectsSnapshotsWithoutParent() {
        assertThat(walk(List.of("parent==\"\""))).containsExactly("a-np", "p", "p-wl", "a-np-wl");
    }

    @Test
    void parentUnequalToEmptySelectsSnapshotsWithParent() {
        assertThat(walk(List.of("parent!=\"\""))).containsExactly("a", "v", "a-wl", "v-wl");
    }

    @Test
    void nameParentAndKindAreAlwaysPresentEvenWhenParentIsEmpty() {
        assertThat(walk(List.of("parent,name,kind"))).hasSize(WALK.size());
    }

    @Test
    void kindIsSpelledTheWayContainerdSpellsIt() {
        assertThat(walk(List.of("kind==active"))).containsExactly("a-np", "a", "a-wl", "a-np-wl");
        assertThat(walk(List.of("kind==view"))).containsExactly("v", "v-wl");
        assertThat(walk(List.of("kind!=committed,kind!=active"))).containsExactly("v", "v-wl");
        assertThat(walk(List.of("kind==ACTIVE"))).isEmpty();
    }

    @Test
    void equalityNeedsThePresentFieldToHoldTheValue() {
        assertThat(walk(List.of("labels.l==1"))).containsExactly("p-wl");
        assertThat(walk(List.of("labels.missing==\"\""))).isEmpty();
    }

    @Test
    void inequalityCountsAnAbsentFieldAsTheEmptyString() {
        assertThat(walk(List.of("labels.l!=2"))).containsExactly("a-np", "p", "a", "v", "p-wl", "v-wl");
        assertThat(walk(List.of("labels.missing!=\"\""))).isEmpty();
    }

    @Test
    void regularExpressionsSearchAnywhereInTheValue() {
        assertThat(walk(List.of("name~=wl"))).containsExactly("p-wl", "a-wl", "v-wl", "a-np-wl");
        assertThat(walk(List.of("name~=^a-n"))).containsExactly("a-np", "a-np-wl");
        assertThat(walk(List.of("labels.l~=[13]"))).containsExactly("p-wl", "v-wl");
    }

    @Test
    void regularExpressionsSearchTheEmptyStringWhenTheFieldIsAbsent() {
        assertThat(walk(List.of("labels.l~=^$"))).containsExactly("a-np", "p", "a", "v");
        assertThat(walk(List.of("unknown~=^$"))).hasSize(WALK.size());
    }

    @Test
    void regularExpressionsMayBeQuotedWithSlashesOrPipesToHoldCommas() {
        assertThat(walk(List.of("name~=/^(p|a){1,2}$/"))).containsExactly("p", "a");
        assertThat(walk(List.of("name~=|^v(-wl)?$|"))).containsExactly("v", "v-wl");
        assertThat(walk(List.of("name~=\"^a-np(-wl)?$\""))).containsExactly("a-np", "a-np-wl");
    }

    @Test
    void aSlashQuotedRegularExpressionUnescapesTheSlash() {
        SnapshotInfo info = snapshot("x", "", Kind.ACTIVE, Map.of("path", "usr/lib"));

        assertThat(matches("labels.path~=/^usr\\/lib$/", info)).isTrue();
    }

    @Test
    void unknownFieldsAreAbsentRatherThanErrors() {
        assertThat(walk(List.of("size"))).isEmpty();
        assertThat(walk(List.of("size==1"))).isEmpty();
        assertThat(walk(List.of("size!=1"))).hasSize(WALK.size());
    }

    @Test
    void aBareLabelsPathNamesNoLabel() {
        assertThat(walk(List.of("labels"))).isEmpty();
    }

    @Test
    void onlyTheFirstPathComponentPicksTheFieldAsInContainerd() {
        assertThat(walk(List.of("name.anything==p"))).containsExactly("p");
    }

    @Test
    void labelKeysWithDotsMayBeQuotedOrSpelledOutComponentByComponent() {
        SnapshotInfo info = snapshot("x", "", Kind.ACTIVE, Map.of("foo.bar.baz", "1"));

        assertThat(matches("labels.foo.bar.baz==1", info)).isTrue();
        assertThat(matches("labels.\"foo.bar.baz\"==1", info)).isTrue();
        assertThat(matches("labels.\"foo.bar\".baz==1", info)).isTrue();
        assertThat(matches("labels.\"foo\"", info)).isFalse();
    }

    @Test
    void remoteSnapshotLookupFilterMatchesTheLayerOnItsParent() {
        String filter = "labels.\"containerd.io/snapshot.ref\"==sha256:abc,parent==\"ns/3/sha256:def\"";
        var labels = Map.of("containerd.io/snapshot.ref", "sha256:abc");

        assertThat(matches(filter, snapshot("ns/4/x", "ns/3/sha256:def", Kind.COMMITTED, labels))).isTrue();
        assertThat(matches(filter, snapshot("ns/4/x", "ns/3/sha256:other", Kind.COMMITTED, labels))).isFalse();
        assertThat(matches(filter, snapshot("ns/4/x", "ns/3/sha256:def", Kind.COMMITTED, Map.of()))).isFalse();
    }

    @Test
    void unquotedValuesRunToTheNextCommaAndMayHoldPunctuation() {
        SnapshotInfo info = snapshot("x", "", Kind.ACTIVE, Map.of("v", "a.b:c/d=e~f\"g", "w", "1"));

        assertThat(matches("labels.v==a.b:c/d=e~f\"g,labels.w==1", info)).isTrue();
    }

    @Test
    void quotedValuesMayHoldCommasAndSpaces() {
        SnapshotInfo info = snapshot("x", "", Kind.ACTIVE, Map.of("note", "too complex, yo"));

        assertThat(matches("labels.note==\"too complex, yo\"", info)).isTrue();
    }

    @Test
    void quotedStringsDecodeGoEscapes() {
        var labels = Map.of("q \"k\"", "say \"hi\"\\\t\n\u0007", "u", "AAé😀é");
        SnapshotInfo info = snapshot("x", "", Kind.ACTIVE, labels);

        assertThat(matches("labels.\"q \\\"k\\\"\"==\"say \\\"hi\\\"\\\\\\t\\n\\a\"", info)).isTrue();
        assertThat(matches("labels.u==\"\\x41\\101\\u00e9\\U0001F600\\xc3\\xa9\"", info)).isTrue();
    }

    @Test
    void whitespaceBeforeATokenIsSkipped() {
        assertThat(walk(List.of(" name == p,  kind ==committed"))).containsExactly("p");
    }

    @Test
    void theErrorNamesTheFilterTheOffsetAndTheReason() {
        assertThatThrownBy(() -> SnapshotFilter.parse(List.of("name==p", "name==,kind==active")))
                .isInstanceOf(SnapshotException.InvalidArgument.class)
                .hasMessageContaining("'name==,kind==active'")
                .hasMessageContaining("offset 6")
                .hasMessageContaining("expected a value");
    }

    @Test
    void anUnterminatedQuoteIsInvalid() {
        assertInvalid("labels.\"containerd.io/gc.root==x").hasMessageContaining("not terminated");
        assertInvalid("name==\"p").hasMessageContaining("not terminated");
    }

    @Test
    void aMissingValueAfterAnOperatorIsInvalid() {
        assertInvalid("name==").hasMessageContaining("expected a value");
        assertInvalid("name!=,kind==active").hasMessageContaining("expected a value");
    }

    @Test
    void anEmptySelectorBetweenCommasIsInvalid() {
        assertInvalid("name==p,,kind==active").hasMessageContaining("expected a field name");
        assertInvalid(",name==p").hasMessageContaining("expected a field name");
        assertInvalid("name==p,").hasMessageContaining("expected a field name");
    }

    @Test
    void aBadRegularExpressionIsInvalidAndKeepsItsCause() {
        assertInvalid("name~=[a")
                .hasMessageContaining("bad regular expression")
                .hasCauseInstanceOf(java.util.regex.PatternSyntaxException.class);
    }

    static Stream<Arguments> otherSyntaxErrors() {
        return Stream.of(
                Arguments.of("name=p", "unsupported operator '='"),
                Arguments.of("name===p", "unsupported operator '==='"),
                Arguments.of("name p", "expected an operator"),
                Arguments.of("labels.", "expected a field name"),
                Arguments.of("labels.containerd.io/gc.root==x", "not terminated"),
                Arguments.of("labels./k/==x", "use double quotes"),
                Arguments.of("name==|p|", "use double quotes"),
                Arguments.of("name==p ", "unexpected ' '"),
                Arguments.of("name==\"p\"x", "unexpected 'x'"),
                Arguments.of(" ", "expected a field name"),
                Arguments.of("name==p\0", "unexpected '\0'"),
                Arguments.of("name==\"p\0\"", "NUL"),
                Arguments.of("labels.\"a\\q\"", "unknown escape sequence \\q"),
                Arguments.of("labels.\"a\\/\"", "unknown escape sequence \\/"),
                Arguments.of("labels.\"a\\x4\"", "too short"),
                Arguments.of("labels.\"a\\xzz\"", "bad digit 'z'"),
                Arguments.of("labels.\"a\\400\"", "out of range"),
                Arguments.of("labels.\"a\\U00110000\"", "out of range"),
                Arguments.of("labels.\"a\\xff\"", "valid UTF-8"));
    }

    @ParameterizedTest(name = "{0} is rejected with \"{1}\"")
    @MethodSource("otherSyntaxErrors")
    void otherSyntaxErrorsAreInvalidArguments(String filter, String reason) {
        assertInvalid(filter).hasMessageContaining(reason);
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // unbounded: about n^12 steps
    void aRegularExpressionThatBacktracksWithoutBoundIsAnInvalidArgumentNotAHungList() {
        // Java's engine memoizes the textbook (a+)+$; nested bounded repetition it cannot
        SnapshotInfo info = snapshot("x", "", Kind.ACTIVE, Map.of("note", "a".repeat(200) + "!"));
        SnapshotFilter filter = SnapshotFilter.parse(List.of("labels.note~=(.*a){12}b"));

        assertThatThrownBy(() -> filter.matches(info)).isInstanceOf(SnapshotException.InvalidArgument.class)
                .hasMessageContaining("(.*a){12}b").hasMessageContaining("too long");
    }

    @Test
    void anOrdinaryRegularExpressionOnTheLongestLabelIsWellWithinTheBound() {
        SnapshotInfo info = snapshot("x", "", Kind.ACTIVE, Map.of("note", "ab".repeat(2000) + "needle"));

        assertThat(matches("labels.note~=(ab)*needle$", info)).isTrue();
        assertThat(matches("labels.note~=[a-z]+x", info)).isFalse();
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertInvalid(String filter) {
        return assertThatThrownBy(() -> SnapshotFilter.parse(List.of(filter)))
                .isInstanceOf(SnapshotException.InvalidArgument.class)
                .hasMessageContaining("'" + filter + "'");
    }

    private static List<String> walk(List<String> filters) {
        SnapshotFilter filter = SnapshotFilter.parse(filters);
        return WALK.stream().filter(filter::matches).map(SnapshotInfo::name).toList();
    }

    private static boolean matches(String filter, SnapshotInfo info) {
        return SnapshotFilter.parse(List.of(filter)).matches(info);
    }

    private static SnapshotInfo snapshot(String name, String parent, Kind kind, Map<String, String> labels) {
        Instant now = Instant.parse("2024-01-01T00:00:00Z");
        return new SnapshotInfo(name, parent, kind, now, now, labels);
    }
}
