package io.datapost.cli;

/** Shutdown hooks that stop what a command started. */
public final class ShutdownHooks {

    private ShutdownHooks() {
    }

    /** Removes the hook; false when the JVM is already shutting down (Ctrl-C), so the hook runs anyway. */
    public static boolean remove(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            return true;
        } catch (IllegalStateException shuttingDown) {
            return false;
        }
    }
}
