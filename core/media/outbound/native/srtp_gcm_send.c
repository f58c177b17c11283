/*
 * Outbound SRTP (AEAD_AES_128_GCM, RFC 7714) and the datagram to the ICE pair, in one call.
 *
 * Why native: in Node each protected packet costs a new GCM cipher object (node:crypto cannot
 * give one a new IV) and each datagram a dgram send (a JS SendWrap, an address lookup, a
 * nextTick and libuv's queue) - together about half of a media worker's time per delivered
 * packet. Here one EVP context per SRTP session is reused (a new IV keeps the key schedule)
 * and the header plus ciphertext go out with one sendmsg on the pair's own (non-blocking) UDP
 * socket. OpenSSL is Node's own: its symbols resolve from the node binary, headers are Node's.
 *
 * Exports (all arguments checked; bad ones throw a TypeError):
 *   gcmContext(key: Buffer(16), salt: Buffer(>= 12; the first 12 count)) -> External, freed with it
 *   sockaddr(ip: string, port: number) -> Buffer | undefined    binary socket address
 *   protectSend(ctx, fd, addr, packet, headerLength, length, ssrc, roc, seq) -> number
 *       bytes sent, or -errno (EAGAIN etc.: the datagram is dropped, as a full socket would)
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <openssl/evp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <stdlib.h>

#define MAX_PAYLOAD 2048

typedef struct {
  EVP_CIPHER_CTX *ctx;
  uint8_t salt[12];
  uint8_t out[MAX_PAYLOAD + 16];
} GcmContext;

static void gcm_free(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  GcmContext *g = (GcmContext *)data;
  EVP_CIPHER_CTX_free(g->ctx);
  free(g);
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static int buffer_arg(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  bool is = false;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) return 0;
  return napi_get_buffer_info(env, v, (void **)data, len) == napi_ok;
}

static napi_value gcm_context(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *key, *salt;
  size_t keyLen, saltLen;
  if (argc < 2 || !buffer_arg(env, argv[0], &key, &keyLen) || keyLen != 16 ||
      !buffer_arg(env, argv[1], &salt, &saltLen) || saltLen < 12)
    return throw_type(env, "gcmContext(key: 16 bytes, salt: at least 12 bytes)");
  GcmContext *g = (GcmContext *)calloc(1, sizeof(GcmContext));
  if (!g) return throw_type(env, "out of memory");
  g->ctx = EVP_CIPHER_CTX_new();
  if (!g->ctx || EVP_EncryptInit_ex(g->ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
      EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
      EVP_EncryptInit_ex(g->ctx, NULL, NULL, key, NULL) != 1) {
    if (g->ctx) EVP_CIPHER_CTX_free(g->ctx);
    free(g);
    return throw_type(env, "OpenSSL refused the AES-128-GCM key");
  }
  memcpy(g->salt, salt, 12);
  napi_value ext;
  if (napi_create_external(env, g, gcm_free, NULL, &ext) != napi_ok) {
    gcm_free(env, g, NULL);
    return NULL;
  }
  return ext;
}

static napi_value sockaddr_of(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char ip[64];
  size_t ipLen = 0;
  uint32_t port = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], ip, sizeof ip, &ipLen) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &port) != napi_ok || port > 65535)
    return throw_type(env, "sockaddr(ip: string, port: number)");
  struct sockaddr_storage ss;
  socklen_t len = 0;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    len = sizeof *a4;
  } else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    len = sizeof *a6;
  } else {
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
  }
  napi_value buf;
  void *data;
  if (napi_create_buffer_copy(env, len, &ss, &data, &buf) != napi_ok) return NULL;
  return buf;
}

static napi_value number(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

static napi_value protect_send(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  GcmContext *g = NULL;
  int32_t fd = -1;
  uint8_t *addr, *pkt;
  size_t addrLen, pktLen;
  uint32_t headerLength, length, ssrc, roc, seq;
  if (argc < 9 || napi_get_value_external(env, argv[0], (void **)&g) != napi_ok || !g ||
      napi_get_value_int32(env, argv[1], &fd) != napi_ok ||
      !buffer_arg(env, argv[2], &addr, &addrLen) ||
      !buffer_arg(env, argv[3], &pkt, &pktLen) ||
      napi_get_value_uint32(env, argv[4], &headerLength) != napi_ok ||
      napi_get_value_uint32(env, argv[5], &length) != napi_ok ||
      napi_get_value_uint32(env, argv[6], &ssrc) != napi_ok ||
      napi_get_value_uint32(env, argv[7], &roc) != napi_ok ||
      napi_get_value_uint32(env, argv[8], &seq) != napi_ok)
    return throw_type(env, "protectSend(ctx, fd, addr, packet, headerLength, length, ssrc, roc, seq)");
  if (fd < 0 || length > pktLen || headerLength < 12 || headerLength > length ||
      length - headerLength > MAX_PAYLOAD || (addrLen != sizeof(struct sockaddr_in) && addrLen != sizeof(struct sockaddr_in6)))
    return throw_type(env, "protectSend: bad lengths, descriptor or address");
  /* IV = salt XOR (00 00 | SSRC | ROC | SEQ), AAD = the header (RFC 7714 8.1) */
  uint8_t iv[12];
  memcpy(iv, g->salt, 12);
  iv[2] ^= ssrc >> 24; iv[3] ^= ssrc >> 16; iv[4] ^= ssrc >> 8; iv[5] ^= ssrc;
  iv[6] ^= roc >> 24; iv[7] ^= roc >> 16; iv[8] ^= roc >> 8; iv[9] ^= roc;
  iv[10] ^= seq >> 8; iv[11] ^= seq;
  int n = 0, fin = 0;
  size_t payload = length - headerLength;
  if (EVP_EncryptInit_ex(g->ctx, NULL, NULL, NULL, iv) != 1 ||
      EVP_EncryptUpdate(g->ctx, NULL, &n, pkt, (int)headerLength) != 1 ||
      EVP_EncryptUpdate(g->ctx, g->out, &n, pkt + headerLength, (int)payload) != 1 ||
      EVP_EncryptFinal_ex(g->ctx, g->out + n, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_GCM_GET_TAG, 16, g->out + payload) != 1)
    return number(env, -EINVAL);
  struct iovec iov[2] = {
    { .iov_base = pkt, .iov_len = headerLength },
    { .iov_base = g->out, .iov_len = payload + 16 },
  };
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = addr;
  msg.msg_namelen = (socklen_t)addrLen;
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  ssize_t sent = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  return number(env, sent < 0 ? -errno : sent);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    { "gcmContext", NULL, gcm_context, NULL, NULL, NULL, napi_default, NULL },
    { "sockaddr", NULL, sockaddr_of, NULL, NULL, NULL, napi_default, NULL },
    { "protectSend", NULL, protect_send, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
