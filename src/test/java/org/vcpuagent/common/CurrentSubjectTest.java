package org.vcpuagent.common;

import org.junit.jupiter.api.Test;

import javax.management.remote.JMXPrincipal;
import javax.security.auth.Subject;
import java.security.PrivilegedAction;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class CurrentSubjectTest {

    @Test
    void noneOutsideASubject() {
        assertNull(CurrentSubject.get());
    }

    /** As the JMX connector runs a client's call: inside Subject.doAs (callAs on newer JDKs, which 17 lacks). */
    @Test
    @SuppressWarnings("removal")
    void theSubjectOfTheCallInside() {
        Subject subject = new Subject(true, Set.of(new JMXPrincipal("admin")), Set.of(), Set.of());
        Subject seen = Subject.doAs(subject, (PrivilegedAction<Subject>) CurrentSubject::get);
        assertSame(subject, seen);
        assertNull(CurrentSubject.get());
    }
}
