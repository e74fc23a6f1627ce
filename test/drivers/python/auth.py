# PasswordAuthenticator through the Python driver: PlainTextAuthProvider logs in, a wrong password is
# AuthenticationFailed. Prints OK. SIBYL_HOST (default 127.0.56.30), SIBYL_USER / SIBYL_PASSWORD (cassandra).
import os
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable
from cassandra import AuthenticationFailed

host = os.environ.get('SIBYL_HOST', '127.0.56.30')
user = os.environ.get('SIBYL_USER', 'cassandra')
password = os.environ.get('SIBYL_PASSWORD', 'cassandra')
# SIBYL_CA: a CA file; the node is then reached over TLS (ssl_context), its certificate checked.
ca = os.environ.get('SIBYL_CA')
ssl_options = {}
if ca:
    import ssl
    context = ssl.create_default_context(cafile=ca)
    ssl_options = {'ssl_context': context}

cluster = Cluster([host], auth_provider=PlainTextAuthProvider(username=user, password=password), protocol_version=4, **ssl_options)
session = cluster.connect()
row = session.execute("SELECT role, is_superuser, can_login, salted_hash FROM system_auth.roles WHERE role = %s", [user]).one()
assert row.role == user and row.can_login, row
assert row.salted_hash.startswith('$2a$10$'), row.salted_hash
cluster.shutdown()

bad = Cluster([host], auth_provider=PlainTextAuthProvider(username=user, password='wrong'), protocol_version=4, **ssl_options)
try:
    bad.connect()
    raise SystemExit('a wrong password connected')
except NoHostAvailable as e:
    errors = list(e.errors.values())
    assert len(errors) == 1 and isinstance(errors[0], AuthenticationFailed), errors
    assert 'Provided username %s and/or password are incorrect' % user in str(errors[0]), str(errors[0])
finally:
    bad.shutdown()
print('OK')
