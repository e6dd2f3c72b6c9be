package org.vcpuagent.exporters;

import org.vcpuagent.testsupport.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Zabbix 6.0's Java gateway (Debian package zabbix-java-gateway) started on a free loopback port, spoken to as
 * the Zabbix server does: "ZBXD\1", the length as 8 little-endian bytes, then the JSON request.
 */
final class ZabbixJavaGateway implements AutoCloseable {

    static final Path JAR = Path.of("/usr/sbin/zabbix-java-gateway.jar");

    /** One key's answer: its value, or the gateway's error for it. */
    record Answer(String value, String error) {
        String require() {
            if (error != null) {
                throw new AssertionError("the gateway answered an error: " + error);
            }
            return value;
        }
    }

    private final Process process;
    private final int port;

    private ZabbixJavaGateway(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Without a pid file: given one, the gateway "daemonizes" and ends when its standard input is a pipe. */
    static ZabbixJavaGateway start(Path dir) throws IOException, InterruptedException {
        int port = freePortBelow32768();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dzabbix.listenIP=127.0.0.1", "-Dzabbix.listenPort=" + port, "-Dzabbix.startPollers=2",
                "-Dzabbix.timeout=10", "-jar", JAR.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("gateway.log").toFile()).start();
        ZabbixJavaGateway g = new ZabbixJavaGateway(p, port);
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return g;
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > end) {
                    g.close();
                    throw new IllegalStateException("the Zabbix Java gateway did not listen on " + port + " within 30 s"
                            + (p.isAlive() ? "" : " (it ended with " + p.exitValue() + ")") + "; its log:\n"
                            + Files.readString(dir.resolve("gateway.log")));
                }
                Thread.sleep(100);
            }
        }
    }

    /** The gateway takes listenPort from 1024 to 32767 only; the system's free ports are above that. */
    private static int freePortBelow32768() throws IOException {
        int start = 20000 + new java.util.Random().nextInt(10000);
        for (int port = start; port < 32768; port++) {
            try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException busy) {
                // try the next one
            }
        }
        throw new IOException("no free port from " + start + " to 32767");
    }

    /** One request for these item keys, on the agent's JMX port, as the server sends it for a JMX interface. */
    List<Answer> ask(int jmxPort, String user, String password, List<String> keys) throws IOException {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("request", "java gateway jmx");
        request.put("conn", "127.0.0.1");
        request.put("port", jmxPort);
        request.put("jmx_endpoint", "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
        request.put("username", user);
        request.put("password", password);
        request.put("keys", keys);
        byte[] body = toJson(request).getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {'Z', 'B', 'X', 'D', 1});
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(body.length).array());
            out.write(body);
            out.flush();
            byte[] reply = readAll(s.getInputStream());
            String json = new String(reply, 13, reply.length - 13, StandardCharsets.UTF_8);
            Map<String, Object> r = Json.object(Json.parse(json), "the gateway's reply");
            List<Answer> answers = new ArrayList<>();
            if (!"success".equals(r.get("response"))) {
                // The whole request failed (e.g. the JMX login): every key gets the gateway's error.
                String error = r.get("error") == null ? "the gateway failed the request: " + json : (String) r.get("error");
                for (int i = 0; i < keys.size(); i++) {
                    answers.add(new Answer(null, error));
                }
                return answers;
            }
            for (Object o : Json.list(r.get("data"), "data")) {
                Map<String, Object> a = Json.object(o, "an answer");
                answers.add(new Answer((String) a.get("value"), (String) a.get("error")));
            }
            return answers;
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        byte[] b = out.toByteArray();
        if (b.length < 13 || b[0] != 'Z' || b[4] != 1) {
            throw new AssertionError("not a ZBXD reply: " + b.length + " bytes");
        }
        return b;
    }

    /** Just enough JSON for the request: strings, numbers, lists of strings. */
    private static String toJson(Object v) {
        if (v instanceof Number n) {
            return n.toString();
        }
        if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            l.forEach(x -> parts.add(toJson(x)));
            return "[" + String.join(",", parts) + "]";
        }
        if (v instanceof Map<?, ?> m) {
            List<String> parts = new ArrayList<>();
            m.forEach((k, x) -> parts.add(toJson(k) + ":" + toJson(x)));
            return "{" + String.join(",", parts) + "}";
        }
        return "\"" + v.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
