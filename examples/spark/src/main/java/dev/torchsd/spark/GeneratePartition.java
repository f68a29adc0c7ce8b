package dev.torchsd.spark;

import dev.torchsd.Embedding;
import dev.torchsd.StableDiffusion;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * One task's rows: the executor's model from {@link ModelCache}, then one image per row, streamed (a row's
 * PNG is made when Spark asks for the row). A row's bad input becomes its error column; anything else
 * (the model cannot load, the executor is shutting down) fails the task, which Spark retries.
 */
final class GeneratePartition implements MapPartitionsFunction<Row, Row> {
    private final ModelSpec spec;
    private final InputFolders folders;
    private final Progress progress;

    GeneratePartition(ModelSpec spec, InputFolders folders, Progress progress) {
        this.spec = spec;
        this.folders = folders;
        this.progress = progress;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return Collections.emptyIterator();
        }
        StableDiffusion sd = ModelCache.get(spec, millis -> {
            progress.loads().add(1);
            progress.loadMillis().add(millis);
        });
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                return generate(sd, rows.next());
            }
        };
    }

    private Row generate(StableDiffusion sd, Row row) {
        int n = row.length();
        Object[] out = new Object[n + ImageColumns.count()];
        for (int i = 0; i < n; i++) {
            out[i] = row.get(i);
        }
        try {
            GenerationRequest request = RequestColumns.read(row, folders);
            out[n + 2] = request.seed();
            checkEmbeddings(sd, RequestColumns.embeddings(row));
            long start = System.nanoTime();
            GenerationResult result = sd.generate(request);
            long generated = System.nanoTime();
            out[n] = png(result);
            out[n + 1] = result.infotext();
            out[n + 3] = (generated - start) / 1_000_000;
            out[n + 4] = (System.nanoTime() - generated) / 1_000_000;
            progress.images().add(1);
        } catch (TorchsdException | IllegalArgumentException e) {
            out[n + 5] = e.getMessage();
            progress.errors().add(1);
        }
        return RowFactory.create(out);
    }

    private void checkEmbeddings(StableDiffusion sd, List<String> names) {
        if (names.isEmpty()) {
            return;
        }
        if (spec.embeddings() == null) {
            throw new TorchsdException("column " + RequestColumns.EMBEDDINGS + ": the row uses " + names
                    + " but the job has no embeddings folder");
        }
        List<String> loaded =
                sd.textualInversions().stream().map(Embedding::token).toList();
        for (String name : names) {
            if (!loaded.contains(name)) {
                throw new TorchsdException("column " + RequestColumns.EMBEDDINGS + ": '" + name + "' is not in the"
                        + " embeddings folder " + spec.embeddings() + " (it has " + loaded + ")");
            }
        }
    }

    private static byte[] png(GenerationResult result) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            result.writePng(0, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }
}
