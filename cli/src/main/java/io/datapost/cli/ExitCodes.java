package io.datapost.cli;

/** Process exit codes of the datapost command. */
public final class ExitCodes {
    public static final int OK = 0;
    /** The run completed but what it checked did not hold (demo totals, missing outcomes). */
    public static final int CHECK_FAILED = 1;
    /** Bad arguments or an invalid config: nothing was changed. */
    public static final int INVALID_INPUT = 2;
    /** Something the command depends on did not start or answer. */
    public static final int UNAVAILABLE = 3;

    private ExitCodes() {
    }
}
