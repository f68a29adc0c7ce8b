package dev.torchsd.spark;

import dev.torchsd.error.TorchsdException;
import java.util.Arrays;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The columns {@link SparkImages#generate} adds to every request row. */
final class ImageColumns {
    /** The PNG file's bytes, AUTOMATIC1111's "parameters" text inside; null when the row failed. */
    static final String PNG = "png";
    /** The same text as a column. */
    static final String INFOTEXT = "infotext";
    /** The seed used: the row's, or the random one drawn for -1 or null. */
    static final String FINAL_SEED = "final_seed";
    /** Milliseconds in the model's generate call. */
    static final String GENERATE_MS = "generate_ms";
    /** Milliseconds encoding the PNG. */
    static final String ENCODE_MS = "encode_ms";
    /** What was wrong with the row (null when it has an image). */
    static final String ERROR = "error";

    private static final StructField[] FIELDS = {
        DataTypes.createStructField(PNG, DataTypes.BinaryType, true),
        DataTypes.createStructField(INFOTEXT, DataTypes.StringType, true),
        DataTypes.createStructField(FINAL_SEED, DataTypes.LongType, true),
        DataTypes.createStructField(GENERATE_MS, DataTypes.LongType, true),
        DataTypes.createStructField(ENCODE_MS, DataTypes.LongType, true),
        DataTypes.createStructField(ERROR, DataTypes.StringType, true),
    };

    private ImageColumns() {}

    /** The request columns followed by the image columns; fails when the requests already have one of them. */
    static StructType append(StructType requests) {
        StructType out = requests;
        for (StructField field : FIELDS) {
            if (Arrays.asList(requests.fieldNames()).contains(field.name())) {
                throw new TorchsdException("the requests already have a column '" + field.name() + "', which the"
                        + " output adds; rename or drop it");
            }
            out = out.add(field);
        }
        return out;
    }

    static int count() {
        return FIELDS.length;
    }
}
