"""The sandbox PKI: root CA, WAF CA (institution client certs), eID CA (card certs),
the server certificate and the IDP signing certificate, created on first start."""
