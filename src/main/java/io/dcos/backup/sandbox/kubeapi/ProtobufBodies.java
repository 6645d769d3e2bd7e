package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedInputStream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Kubernetes protobuf request bodies for the few built-in kinds kubectl's imperative commands send that way
 * ({@code kubectl create namespace|configmap|secret}); everything else kubectl sends as JSON. Field numbers are
 * those of k8s.io/api core/v1 and apimachinery meta/v1 generated.proto.
 */
final class ProtobufBodies {
  private static final byte[] MAGIC = {'k', '8', 's', 0};

  private ProtobufBodies() {
  }

  static boolean isProtobuf(String contentType) {
    return contentType != null && contentType.startsWith("application/vnd.kubernetes.protobuf");
  }

  static ObjectNode toJson(byte[] body) {
    if (body == null || body.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(body, MAGIC.length), MAGIC)) {
      throw unsupported("the protobuf body lacks the k8s envelope");
    }
    try {
      // runtime.Unknown: 1 typeMeta {1 apiVersion, 2 kind}, 2 raw
      CodedInputStream unknown = CodedInputStream.newInstance(body, MAGIC.length, body.length - MAGIC.length);
      String apiVersion = "";
      String kind = "";
      byte[] raw = new byte[0];
      for (int tag; (tag = unknown.readTag()) != 0;) {
        switch (tag >>> 3) {
          case 1 -> {
            CodedInputStream typeMeta = unknown.readBytes().newCodedInput();
            for (int t; (t = typeMeta.readTag()) != 0;) {
              if (t >>> 3 == 1) {
                apiVersion = typeMeta.readString();
              } else if (t >>> 3 == 2) {
                kind = typeMeta.readString();
              } else {
                typeMeta.skipField(t);
              }
            }
          }
          case 2 -> raw = unknown.readByteArray();
          default -> unknown.skipField(tag);
        }
      }
      ObjectNode object = Json.object();
      object.put("apiVersion", apiVersion);
      object.put("kind", kind);
      CodedInputStream in = CodedInputStream.newInstance(raw);
      switch (apiVersion + "/" + kind) {
        case "v1/ConfigMap" -> configMap(in, object);
        case "v1/Secret" -> secret(in, object);
        case "v1/Namespace" -> namespace(in, object);
        default -> throw unsupported(kind + " is only accepted as JSON here (kubectl apply -f sends JSON)");
      }
      return object;
    } catch (IOException e) {
      throw unsupported("malformed protobuf body: " + e.getMessage());
    }
  }

  private static StatusException unsupported(String why) {
    return new StatusException(415, "UnsupportedMediaType", why, null);
  }

  private static void configMap(CodedInputStream in, ObjectNode object) throws IOException {
    for (int tag; (tag = in.readTag()) != 0;) {
      switch (tag >>> 3) {
        case 1 -> objectMeta(in.readBytes().newCodedInput(), object.putObject("metadata"));
        case 2 -> mapEntry(in.readBytes().newCodedInput(), child(object, "data"), false);
        case 3 -> mapEntry(in.readBytes().newCodedInput(), child(object, "binaryData"), true);
        case 4 -> object.put("immutable", in.readBool());
        default -> in.skipField(tag);
      }
    }
  }

  private static void secret(CodedInputStream in, ObjectNode object) throws IOException {
    for (int tag; (tag = in.readTag()) != 0;) {
      switch (tag >>> 3) {
        case 1 -> objectMeta(in.readBytes().newCodedInput(), object.putObject("metadata"));
        case 2 -> mapEntry(in.readBytes().newCodedInput(), child(object, "data"), true);
        case 3 -> putUnlessEmpty(object, "type", in.readString());
        case 4 -> mapEntry(in.readBytes().newCodedInput(), child(object, "stringData"), false);
        case 5 -> object.put("immutable", in.readBool());
        default -> in.skipField(tag);
      }
    }
  }

  private static void namespace(CodedInputStream in, ObjectNode object) throws IOException {
    for (int tag; (tag = in.readTag()) != 0;) {
      switch (tag >>> 3) {
        case 1 -> objectMeta(in.readBytes().newCodedInput(), object.putObject("metadata"));
        case 2 -> {
          CodedInputStream spec = in.readBytes().newCodedInput();
          ObjectNode specNode = object.putObject("spec");
          for (int t; (t = spec.readTag()) != 0;) {
            if (t >>> 3 == 1) {
              (specNode.has("finalizers") ? (com.fasterxml.jackson.databind.node.ArrayNode) specNode.get("finalizers")
                  : specNode.putArray("finalizers")).add(spec.readString());
            } else {
              spec.skipField(t);
            }
          }
        }
        default -> in.skipField(tag);
      }
    }
  }

  private static void objectMeta(CodedInputStream in, ObjectNode metadata) throws IOException {
    for (int tag; (tag = in.readTag()) != 0;) {
      switch (tag >>> 3) {
        case 1 -> putUnlessEmpty(metadata, "name", in.readString());
        case 2 -> putUnlessEmpty(metadata, "generateName", in.readString());
        case 3 -> putUnlessEmpty(metadata, "namespace", in.readString());
        case 5 -> putUnlessEmpty(metadata, "uid", in.readString());
        case 6 -> putUnlessEmpty(metadata, "resourceVersion", in.readString());
        case 11 -> mapEntry(in.readBytes().newCodedInput(), child(metadata, "labels"), false);
        case 12 -> mapEntry(in.readBytes().newCodedInput(), child(metadata, "annotations"), false);
        case 14 -> (metadata.has("finalizers") ? (com.fasterxml.jackson.databind.node.ArrayNode) metadata
            .get("finalizers") : metadata.putArray("finalizers")).add(in.readString());
        default -> in.skipField(tag);
      }
    }
  }

  // Go's generated marshalling writes empty strings; JSON clients omit them.
  private static void putUnlessEmpty(ObjectNode node, String field, String value) {
    if (!value.isEmpty()) {
      node.put(field, value);
    }
  }

  private static ObjectNode child(ObjectNode parent, String name) {
    return parent.has(name) ? (ObjectNode) parent.get(name) : parent.putObject(name);
  }

  /** A map<string, string|bytes> entry: 1 key, 2 value; bytes become base64 as in JSON. */
  private static void mapEntry(CodedInputStream in, ObjectNode map, boolean bytes) throws IOException {
    String key = "";
    String value = "";
    for (int tag; (tag = in.readTag()) != 0;) {
      if (tag >>> 3 == 1) {
        key = in.readString();
      } else if (tag >>> 3 == 2) {
        byte[] v = in.readByteArray();
        value = bytes ? Base64.getEncoder().encodeToString(v) : new String(v, StandardCharsets.UTF_8);
      } else {
        in.skipField(tag);
      }
    }
    map.put(key, value);
  }
}
