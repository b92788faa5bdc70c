#!/bin/sh
# docker-compose's `keys` service: creates, once, the TLS material of the agent gateway (a
# private CA and a certificate for the host name `control-plane`) and the Ed25519 key that
# signs job assignments, in the shared `keys` volume. For a real deployment bring your own.
set -eu
dir="${UPKEEP_KEYS_DIR:-/keys}"
cd "$dir"
if [ ! -f signing-key.pem ]; then
  openssl genpkey -algorithm ed25519 -out signing-key.pem
fi
if [ ! -f server.crt ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
  openssl req -x509 -new -key ca.key -subj "/CN=upkeep compose CA" -days 825 -out ca.crt \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key
  openssl req -new -key server.key -subj "/CN=control-plane" -out server.csr
  printf 'subjectAltName=DNS:control-plane,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
    -extfile server.ext -out server.crt
  rm -f server.csr server.ext ca.srl
fi
chmod 0600 signing-key.pem server.key ca.key
echo "keys ready in $dir"
