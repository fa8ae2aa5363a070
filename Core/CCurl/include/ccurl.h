#ifndef FAULTLINE_CCURL_H
#define FAULTLINE_CCURL_H
#include <curl/curl.h>

/// Swift cannot call the variadic `curl_easy_setopt`; these typed wrappers can be.
CURLcode faultline_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode faultline_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode faultline_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode faultline_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value);
CURLcode faultline_curl_setopt_write_function(CURL *handle,
    size_t (*callback)(char *data, size_t size, size_t count, void *user));
CURLcode faultline_curl_setopt_read_function(CURL *handle,
    size_t (*callback)(char *buffer, size_t size, size_t count, void *user));
CURLcode faultline_curl_setopt_header_function(CURL *handle,
    size_t (*callback)(char *data, size_t size, size_t count, void *user));
CURLcode faultline_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
#endif
