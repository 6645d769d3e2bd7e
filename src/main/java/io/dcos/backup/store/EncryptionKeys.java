package io.dcos.backup.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * A location's client-side encryption: the keys it holds, by id, and the one new archives are written with. Old keys
 * stay for as long as archives encrypted with them exist: rotation is adding a key and pointing {@code writeKeyId}
 * at it. {@link #toString()} names ids only.
 *
 * @param writeKeyId null: archives are written in plaintext (encrypted ones are still read with {@code keys})
 */
public record EncryptionKeys(String writeKeyId, Map<String, byte[]> keys) {
  public static final EncryptionKeys NONE = new EncryptionKeys(null, Map.of());

  /** @throws IllegalArgumentException when the write key is missing or a key is not 32 bytes */
  public EncryptionKeys {
    keys = keys == null ? Map.of() : Map.copyOf(keys);
    if (writeKeyId != null && !keys.containsKey(writeKeyId)) {
      throw new IllegalArgumentException("the encryption key Secret holds no key " + writeKeyId);
    }
    keys.forEach(ChunkedEncryption::validateKey);
  }

  public boolean encrypts() {
    return writeKeyId != null;
  }

  /** What is stored for {@code plain}: its ciphertext, or itself when this location does not encrypt. */
  InputStream seal(InputStream plain) {
    return encrypts() ? ChunkedEncryption.encrypt(plain, writeKeyId, keys.get(writeKeyId)) : plain;
  }

  /** The plaintext of a stored archive, encrypted or not; {@code what} names it in errors. */
  InputStream open(InputStream stored, String what) throws IOException {
    return ChunkedEncryption.decryptIfEncrypted(stored, keys, what);
  }

  @Override
  public String toString() {
    return "encryption (write key " + writeKeyId + ", keys " + new java.util.TreeSet<>(keys.keySet()) + ")";
  }
}
