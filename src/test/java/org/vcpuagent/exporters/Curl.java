package org.vcpuagent.exporters;

import org.jolokia.json.JSONArray;
import org.jolokia.json.JSONObject;
import org.jolokia.json.parser.JSONParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** curl, as the issue asks Jolokia to be tested: the command line a user would type, run as a process. */
final class Curl {

    /** HTTP status, body, and the body parsed as JSON when it is JSON. */
    record Response(int http, String body) {

        Object json() {
            try {
                return new JSONParser().parse(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON (HTTP " + http + "): " + body, e);
            }
        }

        JSONObject object() {
            return (JSONObject) json();
        }

        JSONArray array() {
            return (JSONArray) json();
        }

        /** Jolokia's own status: 200, or 403 for a refused request (Jolokia answers those with HTTP 200). */
        int status() {
            return ((Number) object().get("status")).intValue();
        }

        Object value() {
            return object().get("value");
        }
    }

    private Curl() {
    }

    /** curl -sS ARGS, with the HTTP status appended to the output by -w. */
    static Response run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30", "-w", "\n%{http_code}"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("curl " + String.join(" ", args) + " failed: " + out);
        }
        int cut = out.lastIndexOf('\n');
        return new Response(Integer.parseInt(out.substring(cut + 1).trim()), out.substring(0, cut));
    }
}
