package org.vcpuagent.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vcpuagent.testsupport.YesNoCpuMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuMapTest {

    @Test
    void byteLayoutPutsCpuZeroInTheLeastSignificantBitOfByteZero() {
        assertArrayEquals(new byte[] {0x01, 0x00}, CpuMap.of(0).toBytes(2));
        assertArrayEquals(new byte[] {0x02, 0x00}, CpuMap.of(1).toBytes(2));
        assertArrayEquals(new byte[] {(byte) 0x80, 0x00}, CpuMap.of(7).toBytes(2));
        assertArrayEquals(new byte[] {0x00, 0x01}, CpuMap.of(8).toBytes(2));
        assertArrayEquals(new byte[] {0x0f, (byte) 0x81}, CpuMap.parse("0-3,8,15", 16).toBytes(2));
        assertEquals("0,9", CpuMap.fromBytes(new byte[] {0x01, 0x02}).toCpuList());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "0-3,8;      0-3,8;    yyyy----y-------",
        "8,0-3;      0-3,8;    yyyy----y-------",
        "0-7,^2;     0-1,3-7;  yy-yyyyy--------",
        "0-15,^4-11; 0-3,12-15; yyyy--------yyyy",
        "r;          0-15;     yyyyyyyyyyyyyyyy",
        "' 1 , 3 ';  1,3;      -y-y------------",
        "5;          5;        -----y----------",
        "2-2;        2;        --y-------------",
    })
    void roundTripsBetweenTheThreeForms(String text, String cpulist, String yesNo) {
        CpuMap map = CpuMap.parse(text, 16);
        assertEquals(cpulist, map.toCpuList());
        assertEquals(yesNo, map.toYesNo(16));
        assertEquals(map, YesNoCpuMap.parse(yesNo));
        assertEquals(map, CpuMap.fromBytes(map.toBytes(2)));
        assertEquals(map, CpuMap.parse(map.toCpuList(), 16));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "'';          empty",
        "'   ';       empty",
        "0,^0;        selects no CPU",
        "^3;          selects no CPU",
        "5-3;         reversed",
        "16;          beyond the host",
        "0-16;        beyond the host",
        "abc;         'abc' in cpulist 'abc' is not a CPU number",
        "1,,2;        empty part",
        "1,;          empty part",
        "-1;          '-1' in cpulist '-1' is not a CPU number",
        "1-;          '1-' in cpulist '1-' is not a CPU number",
        "0x1;         '0x1' in cpulist '0x1' is not a CPU number",
        "^;           '^' in cpulist '^' is not a CPU number",
        "99999999999; not a CPU number",
        "1-2-3;       is not a CPU number",
        "r,1;         'r' in cpulist 'r,1' is not a CPU number",
    })
    void badTextIsAnErrorThatNamesThePart(String text, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuMap.parse(text, 16));
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' should contain '" + expected + "'");
    }

    @Test
    void nullIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> CpuMap.parse(null, 16));
    }

    @Test
    void yesNoRejectsOtherCharacters() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> YesNoCpuMap.parse("yyx-"));
        assertTrue(e.getMessage().contains("'x' at position 2"), e.getMessage());
    }

    @Test
    void cpusThatDoNotFitTheMapAreAnErrorNotDropped() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuMap.of(9).toBytes(1));
        assertTrue(e.getMessage().contains("CPU 9"), e.getMessage());
    }

    @Test
    void fromBytesReadsOnlyTheGivenSlice() {
        byte[] maps = {(byte) 0xff, 0x01, 0x02, 0x00};
        assertEquals("0", CpuMap.fromBytes(maps, 1, 1).toCpuList());
        assertEquals("1", CpuMap.fromBytes(maps, 2, 2).toCpuList());
    }
}
