/** The keys janus.transport.http.jcfg may have (others are warned about). */
export const httpKnownKeys = {
  general: ['events', 'json', 'base_path', 'http', 'port', 'interface', 'ip', 'https', 'secure_port', 'secure_interface',
    'secure_ip', 'acl', 'acl_forwarded', 'admin_acl_forwarded', 'mhd_connection_limit', 'mhd_debug', 'max_body_size', 'demos_folder'],
  admin: ['admin_base_path', 'admin_http', 'admin_port', 'admin_interface', 'admin_ip', 'admin_https', 'admin_secure_port',
    'admin_secure_interface', 'admin_secure_ip', 'admin_acl', 'admin_acl_forwarded'],
  cors: ['allow_origin', 'enforce_cors'],
  certificates: ['cert_pem', 'cert_key', 'cert_pwd', 'ciphers'],
};
