package org.vcpuagent.client;

/** The command line is wrong: the client prints the message and its usage, and exits with 2. */
final class UsageException extends Exception {

    UsageException(String message) {
        super(message);
    }
}
