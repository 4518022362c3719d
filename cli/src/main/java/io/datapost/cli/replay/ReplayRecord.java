package io.datapost.cli.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One replay as recorded under {@code <data-dir>/replays/<id>.json}: who ran it, when, with which arguments,
 * what it counted, and its checkpoint (per partition the next offset to read and the end offset it reads up to),
 * so a stopped replay can be resumed. Public fields: this is the file format.
 */
public final class ReplayRecord {

    public static final String RUNNING = "RUNNING";
    public static final String STOPPED = "STOPPED";
    public static final String DONE = "DONE";
    public static final String FAILED = "FAILED";

    public String id;
    public String kind;
    public String status;
    public String user;
    public String startedAt;
    public String updatedAt;
    public List<String> args = new ArrayList<>();
    public boolean dryRun;
    public String from;
    public String to;
    public String eventType;
    public String partner;
    public String bootstrapServers;

    /** Records of the responses topic read (all attempts), answers (final attempts in range) considered. */
    public long read;
    public long answers;
    public long changed;
    public long unchanged;
    public long skipped;
    /** ReclassifyRequested commands written (0 for a dry run). */
    public long commands;
    /** "OLD -> NEW" verdict: count, for the changed answers. */
    public Map<String, Long> transitions = new TreeMap<>();
    /** partner id -> currency -> payout delta (plain decimal string). */
    public Map<String, Map<String, String>> payoutDelta = new TreeMap<>();

    /** reforward: the current outcomes selected (e.g. ERROR, NO_RESPONSE). */
    public List<String> outcomes = new ArrayList<>();
    /** reforward: leads to send (or sent) again, counted by "event type X", "partner X", "outcome X". */
    public Map<String, Long> selection = new TreeMap<>();
    /** reforward: selected leads not sent because an earlier re-forward of them has no final answer yet. */
    public long pending;
    /** reforward: selected leads whose record is no longer on the leads topic (retention). */
    public long missing;

    /** Checkpoint: partition -> next offset to read, and partition -> offset to stop at. */
    public Map<Integer, Long> positions = new TreeMap<>();
    public Map<Integer, Long> ends = new TreeMap<>();
}
