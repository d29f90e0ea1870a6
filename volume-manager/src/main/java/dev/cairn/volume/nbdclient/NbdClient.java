package dev.cairn.volume.nbdclient;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One NBD connection to one export, used from one thread. Each call sends a request and waits for
 * its reply. A server error comes back as {@link NbdErrorReply} (the connection stays usable); a
 * broken connection or timeout as {@link IOException} (the outcome of that request is unknown).
 */
public final class NbdClient implements AutoCloseable {
    static final long NBDMAGIC = 0x4e42444d41474943L;
    static final long IHAVEOPT = 0x49484156454F5054L;
    static final long OPT_REPLY_MAGIC = 0x3e889045565a9L;
    static final int REQUEST_MAGIC = 0x25609513;
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    static final int FLAG_FIXED_NEWSTYLE = 1;
    static final int FLAG_NO_ZEROES = 2;
    static final int OPT_GO = 7;
    static final int REP_ACK = 1;
    static final int REP_INFO = 3;
    static final int INFO_EXPORT = 0;
    public static final int CMD_READ = 0;
    public static final int CMD_WRITE = 1;
    public static final int CMD_DISC = 2;
    public static final int CMD_FLUSH = 3;
    public static final int CMD_TRIM = 4;
    public static final int CMD_WRITE_ZEROES = 6;
    public static final int CMD_FLAG_FUA = 1;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final long size;
    private final int transmissionFlags;
    private long nextHandle = 1;

    /** A request the server answered with an error value (NBD "Error values"). */
    public static final class NbdErrorReply extends IOException {
        private final int error;

        NbdErrorReply(int error, String what) {
            super(what + " failed with NBD error " + error);
            this.error = error;
        }

        public int error() {
            return error;
        }
    }

    private NbdClient(Socket socket, long size, int transmissionFlags, DataInputStream in, DataOutputStream out) {
        this.socket = socket;
        this.size = size;
        this.transmissionFlags = transmissionFlags;
        this.in = in;
        this.out = out;
    }

    /** Connects, negotiates {@code export} with NBD_OPT_GO and returns a client in transmission. */
    public static NbdClient connect(String host, int port, String export, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
            if (in.readLong() != NBDMAGIC || in.readLong() != IHAVEOPT) {
                throw new IOException("not an NBD newstyle server");
            }
            int serverFlags = in.readUnsignedShort();
            if ((serverFlags & FLAG_FIXED_NEWSTYLE) == 0) {
                throw new IOException("server does not speak fixed newstyle");
            }
            out.writeInt(FLAG_FIXED_NEWSTYLE | (serverFlags & FLAG_NO_ZEROES));
            byte[] name = export.getBytes(StandardCharsets.UTF_8);
            out.writeLong(IHAVEOPT);
            out.writeInt(OPT_GO);
            out.writeInt(4 + name.length + 2);
            out.writeInt(name.length);
            out.write(name);
            out.writeShort(0);
            out.flush();
            long size = -1;
            int flags = 0;
            while (true) {
                if (in.readLong() != OPT_REPLY_MAGIC) {
                    throw new IOException("bad option reply magic");
                }
                in.readInt(); // option
                int type = in.readInt();
                int length = in.readInt();
                byte[] data = in.readNBytes(length);
                if (type == REP_ACK) {
                    break;
                }
                if (type == REP_INFO && length >= 12 && ((data[0] << 8) | (data[1] & 0xff)) == INFO_EXPORT) {
                    size = java.nio.ByteBuffer.wrap(data, 2, 10).getLong();
                    flags = java.nio.ByteBuffer.wrap(data, 10, 2).getShort() & 0xffff;
                } else if (type < 0) {
                    throw new IOException("server refused export '" + export + "': reply type 0x" + Integer.toHexString(type)
                            + " " + new String(data, StandardCharsets.UTF_8));
                }
            }
            if (size < 0) {
                throw new IOException("server sent no NBD_INFO_EXPORT");
            }
            return new NbdClient(socket, size, flags, in, out);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    public long size() {
        return size;
    }

    public int transmissionFlags() {
        return transmissionFlags;
    }

    public byte[] read(long offset, int length) throws IOException {
        long handle = send(CMD_READ, 0, offset, length, null);
        return receive(handle, length, "read " + offset + "+" + length);
    }

    public void write(long offset, byte[] data, boolean fua) throws IOException {
        long handle = send(CMD_WRITE, fua ? CMD_FLAG_FUA : 0, offset, data.length, data);
        receive(handle, 0, "write " + offset + "+" + data.length);
    }

    public void flush() throws IOException {
        receive(send(CMD_FLUSH, 0, 0, 0, null), 0, "flush");
    }

    public void trim(long offset, int length) throws IOException {
        receive(send(CMD_TRIM, 0, offset, length, null), 0, "trim");
    }

    public void writeZeroes(long offset, int length) throws IOException {
        receive(send(CMD_WRITE_ZEROES, 0, offset, length, null), 0, "write-zeroes");
    }

    /** Sends any request, as raw as a test needs it; returns the handle to pass to {@link #receive}. */
    public long send(int type, int flags, long offset, int length, byte[] payload) throws IOException {
        long handle = nextHandle++;
        out.writeInt(REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(handle);
        out.writeLong(offset);
        out.writeInt(length);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
        return handle;
    }

    /** Waits for the simple reply to {@code handle}; reads {@code dataLength} bytes on success. */
    public byte[] receive(long handle, int dataLength, String what) throws IOException {
        if (in.readInt() != SIMPLE_REPLY_MAGIC) {
            throw new IOException("bad reply magic for " + what);
        }
        int error = in.readInt();
        long got = in.readLong();
        if (got != handle) {
            throw new IOException("reply for handle " + got + " while waiting for " + handle);
        }
        if (error != 0) {
            throw new NbdErrorReply(error, what);
        }
        byte[] data = new byte[dataLength];
        in.readFully(data);
        return data;
    }

    @Override
    public void close() throws IOException {
        try {
            send(CMD_DISC, 0, 0, 0, null);
        } catch (IOException ignored) {
            // the connection is gone already
        } finally {
            socket.close();
        }
    }
}
