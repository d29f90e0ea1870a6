/**
 * End-to-end tests: real {@code cairn node run} processes started from the shipped jar, on loopback
 * ports, driven by real NBD clients (qemu-io, nbdinfo, fio) and by the admin API. Run by failsafe.
 *
 * <p>No mocks here: anything these tests need that is not the product is a real program.
 */
package dev.cairn.it;
