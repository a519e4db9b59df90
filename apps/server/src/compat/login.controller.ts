import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { LoginRequest, LoginRequestSchema, LoginResponse, LoginResponseSchema } from '@app/contracts';
import { AccessTokensService } from '../auth/access-tokens.service';
import { Endpoint, EndpointSpec } from '../common/endpoint.decorator';

const login: EndpointSpec = {
  access: 'public',
  tag: 'putplace',
  summary: "PutPlace's login: the password is a Hoard API key; answers a short-lived bearer token for it",
  description:
    'email (or username) is not checked: the key says who is calling. The token stands for the key, with its ' +
    'scopes, until it expires (HOARD_TOKEN_TTL_SECONDS, never past the key) or the key is revoked; send it as ' +
    '`Authorization: Bearer`. A password that is not a valid key (or is a token) is 401.',
  body: LoginRequestSchema,
  responses: { 200: { description: 'A bearer token', schema: LoginResponseSchema } },
  errors: [401],
};

/** The login routes PutPlace's clients use (`/api/login`, and `/api/v2/auth/login` of its newer versions). */
@Controller()
export class LoginController {
  constructor(private readonly tokens: AccessTokensService) {}

  @Post('api/login')
  @HttpCode(200)
  @Endpoint(login)
  async login(@Body() body: LoginRequest): Promise<LoginResponse> {
    return this.tokens.login(body.password);
  }

  @Post('api/v2/auth/login')
  @HttpCode(200)
  @Endpoint(login)
  async loginV2(@Body() body: LoginRequest): Promise<LoginResponse> {
    return this.tokens.login(body.password);
  }
}
