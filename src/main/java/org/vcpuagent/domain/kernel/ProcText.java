package org.vcpuagent.domain.kernel;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the small text files of {@code /proc} and cgroupfs. Their size is reported as 0, so they are read into a
 * buffer until the end rather than through {@code Files.readAllBytes}, which asks for the size first.
 */
public final class ProcText {

    private static final int FIRST_BUFFER = 1024;

    private ProcText() {
    }

    /** The file's text; null when it does not exist (the thread or process ended, or /proc hides it). */
    public static String readOrNull(String path) {
        try (FileInputStream in = new FileInputStream(path)) {
            byte[] buf = new byte[FIRST_BUFFER];
            int len = 0;
            while (true) {
                int n = in.read(buf, len, buf.length - len);
                if (n < 0) {
                    return new String(buf, 0, len, StandardCharsets.ISO_8859_1);
                }
                len += n;
                if (len == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                }
            }
        } catch (FileNotFoundException e) {
            return null;
        } catch (IOException e) {
            // A thread that exits while it is read gives ESRCH here: the same as a missing file.
            return null;
        }
    }
}
