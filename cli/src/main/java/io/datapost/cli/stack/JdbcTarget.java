package io.datapost.cli.stack;

/** Where the conversion-sink's PostgreSQL is. */
public record JdbcTarget(String url, String user, String password) {

    public JdbcTarget {
        password = password == null ? "" : password;
    }

    @Override
    public String toString() {
        return url + " (user " + user + ")"; // never the password
    }
}
