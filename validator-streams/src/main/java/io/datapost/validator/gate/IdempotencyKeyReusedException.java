package io.datapost.validator.gate;

/**
 * The cause on the dead letter of a submission whose Idempotency-Key (so its submission id) was already used,
 * within the window, for a lead with another body. The first body stands; the second is kept only as this dead
 * letter, for an operator (or the partner, told by its integration contact) to post again with a new key.
 */
public final class IdempotencyKeyReusedException extends RuntimeException {

    public static final String MESSAGE = "Idempotency-Key reused with a different body";

    IdempotencyKeyReusedException() {
        super(MESSAGE, null, false, false);
    }
}
