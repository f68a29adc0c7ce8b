package dev.torchsd.embedding;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader for the data that torch-saved embeddings hold — dicts, lists, tuples, strings,
 * numbers, booleans, None, tensors and their storages — and nothing else.
 *
 * <p>Why not a general unpickler (Python's, or libtorch's {@code pickle_load}): a pickle is a
 * program; {@code GLOBAL} + {@code REDUCE} call any importable function with any arguments, so a
 * downloaded embedding could run code. Here the only callables are a short allow-list of globals,
 * each mapped to a Java function that builds plain data (a tensor description, an ordered dict, a
 * set). Any other global is refused at the {@code GLOBAL} opcode that names it, before anything
 * after it is read; opcodes outside the small set torch uses are refused too. Nothing from the file
 * is ever executed, in Java or in libtorch.
 *
 * <p>Results: {@code Map<Object,Object>} for dicts (insertion order kept), {@code List<Object>} for
 * lists and tuples (tuples unmodifiable), {@link String}, {@link Long} or {@link BigInteger},
 * {@link Double}, {@link Boolean}, {@code null}, {@code byte[]}, {@link PickledTensor},
 * {@link PickledObject}, {@code Set<Object>}.
 */
public final class RestrictedUnpickler {

    /** Globals a torch-saved embedding may name; each is data construction, nothing more. */
    public static final Set<String> ALLOWED_GLOBALS = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state",
            "torch.FloatStorage",
            "torch.HalfStorage",
            "torch.BFloat16Storage",
            "torch.nn.modules.container.ParameterDict",
            "builtins.set",
            "__builtin__.set");

    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "torch.FloatStorage", DType.F32,
            "torch.HalfStorage", DType.F16,
            "torch.BFloat16Storage", DType.BF16);

    /** A reference to an allowed global, the only kind of callable on the stack. */
    private record Global(String qualifiedName) {}

    private final byte[] data;
    private final String source;
    private int position;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private final TensorResolver resolver;
    /** The values {@link #resolver} made, by identity: what _rebuild_parameter may wrap. */
    private final java.util.IdentityHashMap<Object, Boolean> tensors = new java.util.IdentityHashMap<>();

    /** Turns a tensor description into the value the caller wants (e.g. reads its bytes). */
    @FunctionalInterface
    public interface TensorResolver {
        Object resolve(PickledTensor tensor);
    }

    private RestrictedUnpickler(byte[] data, String source, TensorResolver resolver) {
        this.data = data;
        this.source = source;
        this.resolver = resolver;
    }

    /**
     * Reads one pickle.
     *
     * @param pickle the pickle's bytes
     * @param source what to call it in messages, e.g. {@code "x.pt: archive/data.pkl"}
     */
    public static Object load(byte[] pickle, String source) {
        return load(pickle, source, tensor -> tensor);
    }

    /**
     * Reads one pickle, replacing each tensor by {@code resolver}'s result as soon as it is built.
     */
    public static Object load(byte[] pickle, String source, TensorResolver resolver) {
        Result result = loadFrom(pickle, 0, source, resolver);
        if (result.end() != pickle.length) {
            throw new EmbeddingException(
                    source + ": corrupt: " + (pickle.length - result.end()) + " bytes after the pickle's STOP");
        }
        return result.value();
    }

    /** A value and the offset just after the STOP opcode that ended its pickle. */
    public record Result(Object value, int end) {}

    /**
     * Reads the pickle that starts at {@code offset} of {@code data}, which may hold more after it
     * (PyTorch's legacy format is several pickles in a row).
     */
    public static Result loadFrom(byte[] data, int offset, String source, TensorResolver resolver) {
        RestrictedUnpickler unpickler = new RestrictedUnpickler(data, source, resolver);
        unpickler.position = offset;
        try {
            Object value = unpickler.run();
            return new Result(value, unpickler.position);
        } catch (StackOverflowError e) {
            // only a value that contains itself (built through the memo) can nest this deep
            throw unpickler.error("corrupt: a value that contains itself");
        }
    }

    private Object run() {
        while (true) {
            if (position >= data.length) {
                throw error("truncated: the pickle ends without its STOP opcode");
            }
            int at = position;
            int opcode = data[position++] & 0xff;
            switch (opcode) {
                case 0x80 -> { // PROTO
                    int protocol = u8();
                    if (protocol > 5) {
                        throw error("pickle protocol " + protocol + " is not supported (expected 2 to 5)");
                    }
                }
                case 0x95 -> skip(8); // FRAME: framing hint only
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw error("corrupt: STOP with " + stack.size() + " values on the stack");
                    }
                    return stack.get(0);
                }
                case '(' -> marks.push(stack.size()); // MARK
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case ')' -> push(tuple(List.of())); // EMPTY_TUPLE
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case 'd' -> push(dictOf(popMark())); // DICT
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case 't' -> push(tuple(popMark())); // TUPLE
                case 0x85 -> push(tuple(java.util.Arrays.asList(pop()))); // TUPLE1
                case 0x86 -> { // TUPLE2
                    Object b = pop();
                    Object a = pop();
                    push(tuple(java.util.Arrays.asList(a, b)));
                }
                case 0x87 -> { // TUPLE3
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(tuple(java.util.Arrays.asList(a, b, c)));
                }
                case 'a' -> { // APPEND
                    Object value = pop();
                    list(peek(), "APPEND").add(value);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    list(peek(), "APPENDS").addAll(items);
                }
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    Set<Object> set = set(peek(), "ADDITEMS");
                    for (Object item : items) {
                        set.add(scalarKey(item));
                    }
                }
                case 's' -> { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    dict(peek(), "SETITEM").put(scalarKey(key), value);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    dict(peek(), "SETITEMS").putAll(dictOf(items));
                }
                case 'q' -> memo.put((long) u8(), peek()); // BINPUT
                case 'r' -> memo.put(u32(), peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32())); // LONG_BINGET
                case 'J' -> push((long) (int) u32()); // BININT (signed)
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) (u8() | u8() << 8)); // BININT2
                case 0x8a -> push(long1()); // LONG1
                case 'G' -> push(Double.longBitsToDouble(bigEndianLong())); // BINFLOAT
                case 'N' -> push(null); // NONE
                case 0x88 -> push(true); // NEWTRUE
                case 0x89 -> push(false); // NEWFALSE
                case 'X' -> push(utf8(length(u32()))); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(length(littleEndianLong()))); // BINUNICODE8
                case 'U' -> push(latin1(u8())); // SHORT_BINSTRING
                case 'T' -> push(latin1(length((long) (int) u32()))); // BINSTRING
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 'B' -> push(bytes(length(u32()))); // BINBYTES
                case 'c' -> { // GLOBAL: "module\nname\n"
                    String module = line();
                    String name = line();
                    push(global(module, name, at));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("corrupt: STACK_GLOBAL at byte " + at + " needs two strings");
                    }
                    push(global(m, n, at));
                }
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(call(callable, tupleArgs(args, "REDUCE"), at));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    push(newObject(cls, tupleArgs(args, "NEWOBJ"), at));
                }
                case 'b' -> { // BUILD
                    Object state = pop();
                    build(peek(), state, at);
                }
                case 'Q' -> push(persistentLoad(pop(), at)); // BINPERSID
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                default ->
                    throw error(String.format(
                            "refused pickle opcode 0x%02x at byte %d: embeddings are read with a restricted reader that only knows the opcodes torch.save writes for plain data",
                            opcode, at));
            }
        }
    }

    private Global global(String module, String name, int at) {
        String qualified = module + "." + name;
        if (!ALLOWED_GLOBALS.contains(qualified)) {
            if (module.equals("torch") && name.endsWith("Storage")) {
                throw error("refused global '" + qualified + "' at byte " + at
                        + ": a tensor of another element type; embeddings are float32, float16 or bfloat16 tensors");
            }
            throw error("refused global '" + qualified + "' at byte " + at
                    + ": an embedding holds only tensors, dicts, strings and numbers; this file asks for other Python code,"
                    + " which torchsd never runs");
        }
        return new Global(qualified);
    }

    private Object call(Object callable, List<Object> args, int at) {
        if (!(callable instanceof Global global)) {
            throw error("refused REDUCE at byte " + at + ": only allowed globals can be called, found "
                    + describe(callable));
        }
        switch (global.qualifiedName()) {
            case "collections.OrderedDict":
                if (args.isEmpty()) {
                    return new LinkedHashMap<>();
                }
                if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {
                    return dictOfPairs(pairs, at);
                }
                throw error("corrupt: OrderedDict at byte " + at + " with arguments " + describe(args));
            case "builtins.set":
            case "__builtin__.set":
                if (args.isEmpty()) {
                    return new LinkedHashSet<>();
                }
                if (args.size() == 1 && args.get(0) instanceof List<?> items) {
                    Set<Object> set = new LinkedHashSet<>();
                    for (Object item : items) {
                        set.add(scalarKey(item));
                    }
                    return set;
                }
                throw error("corrupt: set at byte " + at + " with arguments " + describe(args));
            case "torch._utils._rebuild_tensor":
            case "torch._utils._rebuild_tensor_v2":
                return rebuildTensor(args, at);
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                if (args.size() < 3 || !tensors.containsKey(args.get(0))) {
                    throw error("corrupt: " + global.qualifiedName() + " at byte " + at
                            + " expects (tensor, requires_grad, hooks...), found " + describe(args));
                }
                return args.get(0);
            default:
                throw error(
                        "refused call of '" + global.qualifiedName() + "' at byte " + at + ": it is not a function");
        }
    }

    private Object rebuildTensor(List<Object> args, int at) {
        if (args.size() < 4 || !(args.get(0) instanceof TorchStorageRef storage)) {
            throw error("corrupt: _rebuild_tensor at byte " + at
                    + " expects (storage, offset, size, stride, ...), found " + describe(args));
        }
        long offset = nonNegative(args.get(1), "storage offset", at);
        long[] size = longs(args.get(2), "size", at);
        long[] stride = longs(args.get(3), "stride", at);
        if (size.length != stride.length) {
            throw error("corrupt: tensor at byte " + at + " has " + size.length + " sizes but " + stride.length
                    + " strides");
        }
        Object tensor = resolver.resolve(new PickledTensor(storage, offset, size, stride));
        tensors.put(tensor, Boolean.TRUE);
        return tensor;
    }

    private Object newObject(Object cls, List<Object> args, int at) {
        if (cls instanceof Global global
                && global.qualifiedName().equals("torch.nn.modules.container.ParameterDict")
                && args.isEmpty()) {
            return new PickledObject(global.qualifiedName(), new LinkedHashMap<>());
        }
        throw error("refused NEWOBJ at byte " + at + " of " + describe(cls)
                + ": only torch.nn.ParameterDict objects are read");
    }

    private void build(Object target, Object state, int at) {
        if (target instanceof PickledObject object && state instanceof Map<?, ?> map) {
            object.state().putAll(map);
            return;
        }
        throw error("refused BUILD at byte " + at + " on " + describe(target) + ": only ParameterDict state is read");
    }

    private TorchStorageRef persistentLoad(Object pid, int at) {
        if (!(pid instanceof List<?> parts) || parts.size() < 5 || !"storage".equals(parts.get(0))) {
            throw error("corrupt: persistent id at byte " + at + " is not ('storage', type, key, location, numel): "
                    + describe(pid));
        }
        if (!(parts.get(1) instanceof Global type) || !STORAGE_TYPES.containsKey(type.qualifiedName())) {
            throw error("corrupt: persistent id at byte " + at + " names storage type " + describe(parts.get(1)));
        }
        if (!(parts.get(2) instanceof String key) || !(parts.get(3) instanceof String location)) {
            throw error("corrupt: persistent id at byte " + at + " needs a string key and location: " + describe(pid));
        }
        if (parts.size() > 5 && parts.get(5) != null) {
            throw error(
                    "persistent id at byte " + at + " is a view of another storage (legacy torch format); not read");
        }
        long count = nonNegative(parts.get(4), "storage size", at);
        return new TorchStorageRef(STORAGE_TYPES.get(type.qualifiedName()), key, location, count);
    }

    // --- stack and memo -------------------------------------------------------------------------

    private void push(Object value) {
        stack.add(value);
    }

    private Object pop() {
        if (stack.isEmpty() || (!marks.isEmpty() && marks.peek() == stack.size())) {
            throw error("corrupt: a value is missing on the stack at byte " + (position - 1));
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.isEmpty()) {
            throw error("corrupt: empty stack at byte " + (position - 1));
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw error("corrupt: no MARK for the opcode at byte " + (position - 1));
        }
        int start = marks.pop();
        List<Object> items = new ArrayList<>(stack.subList(start, stack.size()));
        stack.subList(start, stack.size()).clear();
        return items;
    }

    private Object memoGet(long index) {
        if (!memo.containsKey(index)) {
            throw error("corrupt: memo entry " + index + " read before it was written (byte " + (position - 1) + ")");
        }
        return memo.get(index);
    }

    // --- bytes ---------------------------------------------------------------------------------

    private void require(long count) {
        if (count > data.length - position) {
            throw error("truncated: the pickle ends inside the value at byte " + position);
        }
    }

    private void skip(int count) {
        require(count);
        position += count;
    }

    private int u8() {
        require(1);
        return data[position++] & 0xff;
    }

    private long u32() {
        require(4);
        long value = (data[position] & 0xffL)
                | (data[position + 1] & 0xffL) << 8
                | (data[position + 2] & 0xffL) << 16
                | (data[position + 3] & 0xffL) << 24;
        position += 4;
        return value;
    }

    private long littleEndianLong() {
        require(8);
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = value << 8 | (data[position + i] & 0xffL);
        }
        position += 8;
        return value;
    }

    private long bigEndianLong() {
        require(8);
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | (data[position + i] & 0xffL);
        }
        position += 8;
        return value;
    }

    private Object long1() {
        int n = u8();
        require(n);
        if (n == 0) {
            return 0L;
        }
        byte[] bigEndian = new byte[n];
        for (int i = 0; i < n; i++) {
            bigEndian[i] = data[position + n - 1 - i];
        }
        position += n;
        BigInteger value = new BigInteger(bigEndian);
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    private int length(long length) {
        if (length < 0 || length > data.length - position) {
            throw error("truncated or corrupt: a value of " + length + " bytes at byte " + position
                    + " runs past the end of the pickle");
        }
        return (int) length;
    }

    private byte[] bytes(int count) {
        require(count);
        byte[] value = java.util.Arrays.copyOfRange(data, position, position + count);
        position += count;
        return value;
    }

    private String utf8(int count) {
        byte[] raw = bytes(count);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw))
                    .toString();
        } catch (CharacterCodingException e) {
            throw error("corrupt: invalid UTF-8 in a string before byte " + position);
        }
    }

    private String latin1(int count) {
        return new String(bytes(count), StandardCharsets.ISO_8859_1);
    }

    private String line() {
        int start = position;
        while (position < data.length && data[position] != '\n') {
            position++;
        }
        if (position >= data.length) {
            throw error("truncated: GLOBAL name at byte " + start + " has no end of line");
        }
        String text = new String(data, start, position - start, StandardCharsets.UTF_8);
        position++;
        return text;
    }

    // --- values --------------------------------------------------------------------------------

    private static List<Object> tuple(List<Object> items) {
        return Collections.unmodifiableList(new ArrayList<>(items));
    }

    private Map<Object, Object> dictOf(List<Object> keysAndValues) {
        if (keysAndValues.size() % 2 != 0) {
            throw error("corrupt: odd number of items for a dict before byte " + position);
        }
        Map<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.size(); i += 2) {
            map.put(scalarKey(keysAndValues.get(i)), keysAndValues.get(i + 1));
        }
        return map;
    }

    private Map<Object, Object> dictOfPairs(List<?> pairs, int at) {
        Map<Object, Object> map = new LinkedHashMap<>();
        for (Object pair : pairs) {
            if (!(pair instanceof List<?> kv) || kv.size() != 2) {
                throw error("corrupt: OrderedDict at byte " + at + " with an item that is not a pair");
            }
            map.put(scalarKey(kv.get(0)), kv.get(1));
        }
        return map;
    }

    /**
     * Dict keys and set items must be strings, numbers, booleans or None, as in every torch-saved
     * embedding. Containers are refused: hashing a container built from shared references can take
     * exponential time (a "billion laughs" pickle), and one that contains itself never ends.
     */
    private Object scalarKey(Object key) {
        if (key == null
                || key instanceof String
                || key instanceof Long
                || key instanceof BigInteger
                || key instanceof Double
                || key instanceof Boolean) {
            return key;
        }
        throw error("refused a dict key or set item of type " + typeName(key) + " before byte " + position
                + ": embeddings use strings and numbers");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object value, String opcode) {
        if (value instanceof ArrayList<?> list) {
            return (List<Object>) list;
        }
        throw error("corrupt: " + opcode + " on " + describe(value) + " at byte " + (position - 1));
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object value, String opcode) {
        if (value instanceof Set<?> set) {
            return (Set<Object>) set;
        }
        throw error("corrupt: " + opcode + " on " + describe(value) + " at byte " + (position - 1));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object value, String opcode) {
        if (value instanceof Map<?, ?> map) {
            return (Map<Object, Object>) map;
        }
        throw error("corrupt: " + opcode + " on " + describe(value) + " at byte " + (position - 1));
    }

    @SuppressWarnings("unchecked")
    private List<Object> tupleArgs(Object args, String opcode) {
        if (args instanceof List<?> list) {
            return (List<Object>) list;
        }
        throw error("corrupt: " + opcode + " arguments are not a tuple at byte " + (position - 1));
    }

    private long nonNegative(Object value, String what, int at) {
        if (value instanceof Long number && number >= 0) {
            return number;
        }
        throw error("corrupt: " + what + " of the tensor at byte " + at + " must be a non-negative integer, found "
                + describe(value));
    }

    private long[] longs(Object value, String what, int at) {
        if (!(value instanceof List<?> items)) {
            throw error(
                    "corrupt: " + what + " of the tensor at byte " + at + " must be a tuple, found " + describe(value));
        }
        long[] result = new long[items.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = nonNegative(items.get(i), what, at);
        }
        return result;
    }

    /** A short text for messages, written with a budget: values may be huge or share parts exponentially. */
    private static String describe(Object value) {
        StringBuilder text = new StringBuilder();
        describe(value, text, 0);
        return text.length() > 80 ? text.substring(0, 77) + "..." : text.toString();
    }

    private static void describe(Object value, StringBuilder text, int depth) {
        if (text.length() > 80) {
            return;
        }
        if (value == null) {
            text.append("None");
        } else if (value instanceof Global global) {
            text.append(global.qualifiedName());
        } else if (value instanceof String string) {
            text.append('\'').append(string, 0, Math.min(string.length(), 80)).append('\'');
        } else if (value instanceof List<?> list) {
            text.append(depth > 3 ? "[...]" : "(");
            if (depth <= 3) {
                for (int i = 0; i < list.size() && text.length() <= 80; i++) {
                    text.append(i > 0 ? ", " : "");
                    describe(list.get(i), text, depth + 1);
                }
                text.append(")");
            }
        } else if (value instanceof Map<?, ?> map) {
            text.append("{dict of ").append(map.size()).append("}");
        } else if (value instanceof java.util.Collection<?> collection) {
            text.append("{set of ").append(collection.size()).append("}");
        } else if (value instanceof PickledObject object) {
            text.append(object.className());
        } else if (value instanceof Long
                || value instanceof Double
                || value instanceof Boolean
                || value instanceof BigInteger) {
            text.append(value);
        } else {
            text.append(typeName(value));
        }
    }

    private static String typeName(Object value) {
        if (value instanceof List<?>) {
            return "list/tuple";
        }
        if (value instanceof Map<?, ?>) {
            return "dict";
        }
        if (value instanceof Set<?>) {
            return "set";
        }
        if (value instanceof PickledTensor || value instanceof StoredTensor) {
            return "tensor";
        }
        return value.getClass().getSimpleName();
    }

    private EmbeddingException error(String message) {
        return new EmbeddingException(source + ": " + message);
    }
}
