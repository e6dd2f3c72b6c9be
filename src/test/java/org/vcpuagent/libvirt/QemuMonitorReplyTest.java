package org.vcpuagent.libvirt;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How QMP replies are read, without a guest: the replies are QEMU 7.2's own. */
class QemuMonitorReplyTest {

    @Test
    void theReturnMemberIsTheAnswer() {
        Object r = QemuMonitor.returnValue("{\"return\": [{\"cpu-index\": 0}], \"id\": \"libvirt-12\"}", "q");
        assertEquals(List.of(Map.of("cpu-index", 0L)), r);
        assertEquals(Map.of(), QemuMonitor.returnValue("{\"return\": {}}", "cont"));
    }

    @Test
    void anErrorReplyBecomesAnExceptionWithQemusWords() {
        QemuMonitorException e = assertThrows(QemuMonitorException.class, () -> QemuMonitor.returnValue(
                "{\"id\":\"libvirt-430\",\"error\":{\"class\":\"CommandNotFound\","
                        + "\"desc\":\"The command no-such-command has not been found\"}}", "no-such-command"));
        assertEquals("QEMU refused no-such-command: CommandNotFound: The command no-such-command has not been found",
                e.getMessage());
    }

    @Test
    void repliesOfAnotherShapeAreRefusedNotGuessed() {
        QemuMonitorException e = assertThrows(QemuMonitorException.class,
                () -> QemuMonitor.returnValue("{\"id\": \"libvirt-1\"}", "q"));
        assertTrue(e.getMessage().contains("has no 'return'"), e.getMessage());
        e = assertThrows(QemuMonitorException.class, () -> QemuMonitor.returnValue("{\"return\": [1,]}", "q"));
        assertTrue(e.getMessage().startsWith("QEMU's reply to q is not valid JSON: invalid JSON at position 14"),
                e.getMessage());
        e = assertThrows(QemuMonitorException.class, () -> QemuMonitor.returnValue("[]", "q"));
        assertTrue(e.getMessage().contains("the reply is an array, expected an object"), e.getMessage());
    }

    @Test
    void theLibraryLoadsOnThisHost() {
        assertTrue(QemuMonitor.isAvailable(), "libvirt-qemu.so.0 (package libvirt0) should be installed here");
    }
}
