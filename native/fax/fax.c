/*
 * A T.30 fax terminal over 8 kHz 16-bit linear audio (spandsp 0.0.6), for Node through N-API.
 *
 *   const s = new FaxSession({ role: 'receiver' | 'transmitter', file, ident?, ecm? });
 *   s.rx(samples: Int16Array)      audio from the far end (any length, normally 160 samples)
 *   s.tx(count?: number): Int16Array  audio to send (default 160 samples; silence when idle)
 *   s.result()                     null until T.30 phase E, then { success, code, reason, kind, pages, remoteIdent, bitRate, ecm }
 *   s.terminate()                  the call is gone: ends the session now (phase E runs, reason "call dropped")
 *   s.close()                      frees spandsp's state (idempotent; the GC does it too)
 *
 * A receiver answers (fax_init(answering)) and writes the pages to a TIFF file
 * (t30_set_rx_file); a transmitter calls (sends CNG) and sends a TIFF file (t30_set_tx_file).
 * Every call is synchronous and costs microseconds per 20 ms block, so the caller runs it on its
 * media clock; nothing here blocks or calls back into JavaScript.
 */
#include <node_api.h>
#include <spandsp.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BLOCK 8000 /* one second of audio: the most one rx/tx call takes */

typedef struct {
  fax_state_t *fax;
  int transmitter;
  int done;
  int code;
  int pages;
  int bit_rate;
  int ecm;
  char remote_ident[64];
  char file[1024];
} fax_session_t;

#define CHECK(call)                                                                   \
  do {                                                                                \
    if ((call) != napi_ok) {                                                          \
      napi_throw_error(env, NULL, "fax addon: N-API call failed: " #call);            \
      return NULL;                                                                    \
    }                                                                                 \
  } while (0)

/* T.30 phase E: the session is over (success or not). Runs inside fax_rx/fax_tx/t30_terminate. */
static void phase_e(t30_state_t *t30, void *user_data, int completion_code) {
  fax_session_t *s = (fax_session_t *) user_data;
  t30_stats_t stats;
  const char *ident;
  if (s->done) return;
  t30_get_transfer_statistics(t30, &stats);
  s->done = 1;
  s->code = completion_code;
  s->pages = s->transmitter ? stats.pages_tx : stats.pages_rx;
  s->bit_rate = stats.bit_rate;
  s->ecm = stats.error_correcting_mode;
  ident = t30_get_rx_ident(t30);
  snprintf(s->remote_ident, sizeof(s->remote_ident), "%s", ident ? ident : "");
}

/* A coarse class of the completion code, for the caller's notice (the exact text is `reason`). */
static const char *kind_of(const fax_session_t *s) {
  int code = s->code;
  /* Our DIS went unanswered three times and nothing ever came back: no fax machine there. */
  if (code == T30_ERR_RETRYDCN && s->pages == 0 && s->remote_ident[0] == '\0') return "no-fax";
  switch (code) {
  case T30_ERR_OK:
    return "ok";
  case T30_ERR_CALLDROPPED:
    return "call-dropped";
  case T30_ERR_T0_EXPIRED:
  case T30_ERR_T1_EXPIRED:
    return "no-fax";
  case T30_ERR_FILEERROR:
  case T30_ERR_NOPAGE:
  case T30_ERR_BADTIFF:
  case T30_ERR_BADTIFFHDR:
    return "file";
  default:
    return "protocol";
  }
}

static void free_session(fax_session_t *s) {
  if (s->fax) {
    fax_free(s->fax);
    s->fax = NULL;
  }
}

static void finalize(napi_env env, void *data, void *hint) {
  fax_session_t *s = (fax_session_t *) data;
  free_session(s);
  free(s);
}

/* Reads a string property; returns 1 when present, 0 when absent or undefined, -1 on a wrong type (thrown). */
static int get_string(napi_env env, napi_value obj, const char *name, char *out, size_t size) {
  bool has = false;
  napi_value v;
  napi_valuetype t;
  size_t len = 0;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return 0;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return 0;
  if (napi_typeof(env, v, &t) != napi_ok || t == napi_undefined) return 0;
  if (t != napi_string) {
    char msg[128];
    snprintf(msg, sizeof(msg), "fax addon: option \"%s\" must be a string", name);
    napi_throw_type_error(env, NULL, msg);
    return -1;
  }
  if (napi_get_value_string_utf8(env, v, out, size, &len) != napi_ok) return -1;
  if (len >= size - 1) {
    char msg[128];
    snprintf(msg, sizeof(msg), "fax addon: option \"%s\" is too long", name);
    napi_throw_range_error(env, NULL, msg);
    return -1;
  }
  return 1;
}

static napi_value construct(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self, v;
  napi_valuetype t;
  char role[16] = "", ident[32] = "";
  bool ecm = true, has = false;
  fax_session_t *s;
  t30_state_t *t30;
  int r;

  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_object) {
    napi_throw_type_error(env, NULL, "fax addon: new FaxSession({ role, file, ident?, ecm? })");
    return NULL;
  }
  s = calloc(1, sizeof(*s));
  if (!s) {
    napi_throw_error(env, NULL, "fax addon: out of memory");
    return NULL;
  }
  if ((r = get_string(env, argv[0], "role", role, sizeof(role))) <= 0 ||
      (strcmp(role, "receiver") != 0 && strcmp(role, "transmitter") != 0)) {
    free(s);
    if (r >= 0) napi_throw_type_error(env, NULL, "fax addon: role must be \"receiver\" or \"transmitter\"");
    return NULL;
  }
  if ((r = get_string(env, argv[0], "file", s->file, sizeof(s->file))) <= 0 || s->file[0] == '\0') {
    free(s);
    if (r >= 0) napi_throw_type_error(env, NULL, "fax addon: file (a TIFF path) is required");
    return NULL;
  }
  if (get_string(env, argv[0], "ident", ident, sizeof(ident)) < 0) {
    free(s);
    return NULL;
  }
  if (napi_has_named_property(env, argv[0], "ecm", &has) == napi_ok && has &&
      napi_get_named_property(env, argv[0], "ecm", &v) == napi_ok && napi_typeof(env, v, &t) == napi_ok && t == napi_boolean)
    napi_get_value_bool(env, v, &ecm);

  s->transmitter = strcmp(role, "transmitter") == 0;
  /* The calling party sends CNG and the page; the answering party sends CED and receives. */
  s->fax = fax_init(NULL, s->transmitter);
  if (!s->fax) {
    free(s);
    napi_throw_error(env, NULL, "fax addon: fax_init failed");
    return NULL;
  }
  /* Keep sending (silence) between modem bursts: RTP wants a packet every 20 ms. */
  fax_set_transmit_on_idle(s->fax, 1);
  t30 = fax_get_t30_state(s->fax);
  if (ident[0]) t30_set_tx_ident(t30, ident);
  t30_set_ecm_capability(t30, ecm ? 1 : 0);
  t30_set_supported_compressions(t30, T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION | (ecm ? T30_SUPPORT_T6_COMPRESSION : 0));
  t30_set_phase_e_handler(t30, phase_e, s);
  if (s->transmitter)
    t30_set_tx_file(t30, s->file, -1, -1);
  else
    t30_set_rx_file(t30, s->file, -1);

  if (napi_wrap(env, self, s, finalize, NULL, NULL) != napi_ok) {
    free_session(s);
    free(s);
    napi_throw_error(env, NULL, "fax addon: napi_wrap failed");
    return NULL;
  }
  return self;
}

static fax_session_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok || !data) {
    napi_throw_type_error(env, NULL, "fax addon: not a FaxSession");
    return NULL;
  }
  return (fax_session_t *) data;
}

static napi_value rx(napi_env env, napi_callback_info info) {
  size_t argc = 1, length = 0, offset = 0;
  napi_value argv[1], buffer;
  napi_typedarray_type type;
  void *data = NULL;
  bool is_ta = false;
  fax_session_t *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  if (argc < 1 || napi_is_typedarray(env, argv[0], &is_ta) != napi_ok || !is_ta) {
    napi_throw_type_error(env, NULL, "fax addon: rx(samples) takes an Int16Array");
    return NULL;
  }
  CHECK(napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset));
  if (type != napi_int16_array) {
    napi_throw_type_error(env, NULL, "fax addon: rx(samples) takes an Int16Array");
    return NULL;
  }
  if (length > MAX_BLOCK) {
    napi_throw_range_error(env, NULL, "fax addon: rx() takes at most 8000 samples at once");
    return NULL;
  }
  if (s->fax && length > 0) fax_rx(s->fax, (int16_t *) data, (int) length);
  return NULL;
}

static napi_value tx(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], ab, out;
  napi_valuetype t;
  int32_t count = 160;
  void *data = NULL;
  int made = 0;
  fax_session_t *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  if (argc >= 1 && napi_typeof(env, argv[0], &t) == napi_ok && t == napi_number) CHECK(napi_get_value_int32(env, argv[0], &count));
  if (count < 1 || count > MAX_BLOCK) {
    napi_throw_range_error(env, NULL, "fax addon: tx(count) takes 1 to 8000 samples");
    return NULL;
  }
  CHECK(napi_create_arraybuffer(env, (size_t) count * sizeof(int16_t), &data, &ab));
  if (s->fax) made = fax_tx(s->fax, (int16_t *) data, count);
  if (made < 0) made = 0;
  if (made < count) memset((int16_t *) data + made, 0, (size_t) (count - made) * sizeof(int16_t));
  CHECK(napi_create_typedarray(env, napi_int16_array, (size_t) count, ab, 0, &out));
  return out;
}

static napi_value result(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value out, v;
  fax_session_t *s = unwrap(env, info, &argc, NULL);
  if (!s) return NULL;
  if (!s->done) {
    CHECK(napi_get_null(env, &out));
    return out;
  }
  CHECK(napi_create_object(env, &out));
  CHECK(napi_get_boolean(env, s->code == T30_ERR_OK, &v));
  CHECK(napi_set_named_property(env, out, "success", v));
  CHECK(napi_create_int32(env, s->code, &v));
  CHECK(napi_set_named_property(env, out, "code", v));
  CHECK(napi_create_string_utf8(env, t30_completion_code_to_str(s->code), NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, out, "reason", v));
  CHECK(napi_create_string_utf8(env, kind_of(s), NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, out, "kind", v));
  CHECK(napi_create_int32(env, s->pages, &v));
  CHECK(napi_set_named_property(env, out, "pages", v));
  CHECK(napi_create_string_utf8(env, s->remote_ident, NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, out, "remoteIdent", v));
  CHECK(napi_create_int32(env, s->bit_rate, &v));
  CHECK(napi_set_named_property(env, out, "bitRate", v));
  CHECK(napi_get_boolean(env, s->ecm != 0, &v));
  CHECK(napi_set_named_property(env, out, "ecm", v));
  return out;
}

static napi_value terminate(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  fax_session_t *s = unwrap(env, info, &argc, NULL);
  if (!s) return NULL;
  /* Closes the TIFF (pages received so far stay readable) and runs phase E with "call dropped". */
  if (s->fax && !s->done) t30_terminate(fax_get_t30_state(s->fax));
  return NULL;
}

static napi_value close_session(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  fax_session_t *s = unwrap(env, info, &argc, NULL);
  if (!s) return NULL;
  if (s->fax && !s->done) t30_terminate(fax_get_t30_state(s->fax));
  free_session(s);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value cls;
  napi_property_descriptor methods[] = {
      {"rx", NULL, rx, NULL, NULL, NULL, napi_default, NULL},
      {"tx", NULL, tx, NULL, NULL, NULL, napi_default, NULL},
      {"result", NULL, result, NULL, NULL, NULL, napi_default, NULL},
      {"terminate", NULL, terminate, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_session, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_class(env, "FaxSession", NAPI_AUTO_LENGTH, construct, NULL, sizeof(methods) / sizeof(methods[0]), methods, &cls));
  CHECK(napi_set_named_property(env, exports, "FaxSession", cls));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
