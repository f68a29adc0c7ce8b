package dev.torchsd.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationCancelledException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The waiting line: at most {@code perModel} generations run on one model at once, in the order
 * they came (a fair semaphore per model), and at most {@code waitingLimit} wait for each model; one more is refused
 * with 503 and a Retry-After estimated from how long jobs take. Jobs are run on the caller's (the
 * HTTP request's) thread, so a job lives exactly as long as its request.
 */
final class GenerationQueue {
    private static final long POLL_MILLIS = 50;

    private final int waitingLimit;
    private final int perModel;
    private final Map<String, Semaphore> slots = new ConcurrentHashMap<>();
    private final Set<Job> jobs = new LinkedHashSet<>();
    private final AtomicLong admitted = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile double averageSeconds = 1;

    GenerationQueue(int waitingLimit, int perModel) {
        this.waitingLimit = waitingLimit;
        this.perModel = perModel;
    }

    /** Puts a job in line, or refuses it (503 with Retry-After) when the line is full. */
    synchronized Job admit(SdRequest spec) {
        long onModel =
                jobs.stream().filter(j -> j.spec.model().equals(spec.model())).count();
        long waiting = Math.max(0, onModel - perModel + 1); // this one included
        if (waiting > waitingLimit) {
            rejected.incrementAndGet();
            long retry = Math.max(1, Math.round(averageSeconds * waiting / perModel));
            throw new ApiException(
                    503,
                    "the queue is full: " + (waiting - 1) + " requests are waiting (at most " + waitingLimit
                            + "); retry in about " + retry + " s",
                    Map.of("Retry-After", Long.toString(retry)));
        }
        Job job = new Job(spec);
        jobs.add(job);
        admitted.incrementAndGet();
        return job;
    }

    /**
     * Waits for a slot on the job's model, runs the job and leaves the line, counted once as
     * completed, cancelled or failed. A job asks whether its client went away at every wait tick,
     * and again when it gets its slot (the fair semaphore hands a freed slot straight to the next
     * waiter, which may have been left between two ticks): a job cancelled while waiting never
     * starts, and throws {@link GenerationCancelledException} as one cancelled while running does.
     */
    List<Job.Batch> run(Job job, StableDiffusion sd) {
        Semaphore slot = slots.computeIfAbsent(job.spec.model(), m -> new Semaphore(perModel, true));
        boolean done = false;
        try {
            while (!slot.tryAcquire(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                if (job.cancelled()) {
                    throw new GenerationCancelledException("the client went away while its request was waiting");
                }
            }
            try {
                List<Job.Batch> batches = job.run(sd);
                done = true;
                return batches;
            } finally {
                slot.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GenerationCancelledException("the server is stopping");
        } finally {
            leave(job, done);
        }
    }

    private synchronized void leave(Job job, boolean done) {
        jobs.remove(job);
        if (done) {
            completed.incrementAndGet();
            double seconds = (System.currentTimeMillis() - job.startedAt()) / 1000.0;
            averageSeconds = 0.8 * averageSeconds + 0.2 * seconds;
        } else if (job.cancelled()) {
            cancelled.incrementAndGet();
        } else {
            failed.incrementAndGet();
        }
    }

    /** The running job that started first (what AUTOMATIC1111's progress shows), or null. */
    synchronized Job current() {
        return jobs.stream().filter(Job::running).findFirst().orElse(null);
    }

    synchronized List<Job> jobs() {
        return new ArrayList<>(jobs);
    }

    void interrupt() {
        jobs().stream().filter(Job::running).forEach(Job::interrupt);
    }

    void skip() {
        jobs().stream().filter(Job::running).forEach(Job::skip);
    }

    /**
     * Counts since start, for operators and the load command (every admitted job ends in exactly one
     * of completed, cancelled, failed), and where each job in line is.
     */
    synchronized JsonObject stats() {
        JsonObject s = new JsonObject();
        long running = jobs.stream().filter(Job::running).count();
        s.addProperty("admitted", admitted.get());
        s.addProperty("completed", completed.get());
        s.addProperty("cancelled", cancelled.get());
        s.addProperty("failed", failed.get());
        s.addProperty("rejected", rejected.get());
        s.addProperty("running", running);
        s.addProperty("waiting", jobs.size() - running);
        s.addProperty("waiting_limit", waitingLimit);
        s.addProperty("per_model", perModel);
        JsonArray list = new JsonArray();
        for (Job j : jobs) {
            JsonObject job = new JsonObject();
            job.addProperty("id", j.id);
            job.addProperty("model", j.spec.model());
            job.addProperty("running", j.running());
            job.addProperty("batch", j.batchIndex() + 1);
            job.addProperty("n_iter", j.spec.iterations());
            job.addProperty("step", j.step());
            job.addProperty("steps", j.totalSteps());
            list.add(job);
        }
        s.add("jobs", list);
        return s;
    }
}
