package org.cvmfsstargz.stargz.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import org.cvmfsstargz.stargz.format.CorruptLayerException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FooterTest {
    /** The 51-byte eStargz footer for TOC offset 0x1234, byte by byte as the reference describes it. */
    private static final String ESTARGZ_1234 = "1f8b0804" + "00000000" + "00ff" // ID1 ID2 CM FLG, MTIME, XFL OS
            + "1a00" // XLEN 26
            + "5347" + "1600" // subfield 'S' 'G', LEN 22
            + hex("0000000000001234STARGZ")
            + "010000ffff" // final empty stored block
            + "0000000000000000"; // CRC32, ISIZE
    /** The 47-byte legacy stargz footer for the same offset: no subfield header. */
    private static final String LEGACY_1234 = "1f8b0804" + "00000000" + "00ff" + "1600"
            + hex("0000000000001234STARGZ") + "010000ffff" + "0000000000000000";

    @Test
    void theEstargzFooterIsFiftyOneBytesWithAnSgSubfieldHoldingTheTocOffset() throws Exception {
        byte[] footer = bytes(ESTARGZ_1234);

        assertThat(footer).hasSize(51);
        assertThat(Footer.parse(footer, 10_000)).isEqualTo(new Footer(Footer.Format.ESTARGZ, 0x1234));
        assertThat(new Footer(Footer.Format.ESTARGZ, 0x1234).toBytes()).isEqualTo(footer);
    }

    @Test
    void theLegacyFooterIsFortySevenBytesWithTheOffsetDirectlyInTheExtraField() throws Exception {
        byte[] footer = bytes(LEGACY_1234);

        assertThat(footer).hasSize(47);
        assertThat(Footer.parse(footer, 10_000)).isEqualTo(new Footer(Footer.Format.LEGACY_STARGZ, 0x1234));
        assertThat(new Footer(Footer.Format.LEGACY_STARGZ, 0x1234).toBytes()).isEqualTo(footer);
    }

    @Test
    void bothFootersAreEmptyGzipMembersSoTheBlobStaysValidGzip() throws IOException {
        for (String footer : new String[] {ESTARGZ_1234, LEGACY_1234}) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes(footer)))) {
                assertThat(in.readAllBytes()).isEmpty();
            }
        }
    }

    @Test
    void theFooterIsFoundAtTheEndOfALongerTail() throws Exception {
        byte[] tail = new byte[200];
        byte[] legacy = bytes(LEGACY_1234);
        System.arraycopy(legacy, 0, tail, tail.length - legacy.length, legacy.length);

        assertThat(Footer.parse(tail, 1_000_000)).isEqualTo(new Footer(Footer.Format.LEGACY_STARGZ, 0x1234));
        assertThat(Footer.parse(tail, 1_000_000).tocLength(1_000_000)).isEqualTo(1_000_000 - 47 - 0x1234);
    }

    @Test
    void upperCaseHexDigitsAreAcceptedAsGoParsesThem() throws Exception {
        byte[] footer = bytes(ESTARGZ_1234);
        System.arraycopy(bytes(hex("00000000000ABCDE")), 0, footer, 16, 16);

        assertThat(Footer.parse(footer, 1 << 24).tocOffset()).isEqualTo(0xABCDE);
    }

    @Test
    void aPlainGzipLayerIsNotEstargz() {
        byte[] tail = new byte[64];
        Arrays.fill(tail, (byte) 0x5a);

        assertRejected(tail, 1 << 20, Reason.NOT_ESTARGZ);
        assertRejected(new byte[10], 10, Reason.NOT_ESTARGZ);
        assertRejected(bytes(ESTARGZ_1234.replace("5347", "5348")), 10_000, Reason.NOT_ESTARGZ);
    }

    @ParameterizedTest
    @ValueSource(strings = {"000000000000123g", "+000000000001234", "-000000000001234", "ffffffffffffffff",
        "0000 00000001234"})
    void anOffsetThatIsNotSixteenHexDigitsOfA63BitNumberIsMalformed(String offset) {
        byte[] footer = bytes(ESTARGZ_1234);
        System.arraycopy(bytes(hex(offset)), 0, footer, 16, 16);

        assertRejected(footer, 10_000, Reason.MALFORMED_FOOTER);
    }

    @Test
    void aFooterWhoseGzipMemberIsNotEmptyIsMalformed() {
        byte[] nonEmpty = bytes(ESTARGZ_1234);
        nonEmpty[nonEmpty.length - 1] = 1; // ISIZE
        byte[] badBlock = bytes(ESTARGZ_1234);
        badBlock[38] = 0x07; // reserved block type

        assertRejected(nonEmpty, 10_000, Reason.MALFORMED_FOOTER);
        assertRejected(badBlock, 10_000, Reason.MALFORMED_FOOTER);
    }

    @Test
    void aTocOffsetThatLeavesNoRoomForTheTocIsOutsideTheBlob() {
        assertRejected(bytes(ESTARGZ_1234), 0x1234 + 51, Reason.OFFSET_OUT_OF_BLOB);
        assertRejected(bytes(ESTARGZ_1234), 100, Reason.OFFSET_OUT_OF_BLOB);
    }

    @Test
    void aTailLongerThanTheBlobIsTheCallersMistake() {
        assertThatThrownBy(() -> Footer.parse(new byte[51], 50)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertRejected(byte[] tail, long blobSize, Reason reason) {
        assertThatThrownBy(() -> Footer.parse(tail, blobSize)).isInstanceOfSatisfying(CorruptLayerException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private static String hex(String ascii) {
        return HexFormat.of().formatHex(ascii.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex);
    }
}
