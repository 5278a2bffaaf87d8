import { Field, ObjectType } from '@nestjs/graphql';

/** `query { health { status } }`: the GraphQL twin of `GET /health`. */
@ObjectType('Health', { description: 'The service is up.' })
export class HealthModel {
  @Field(() => String, { description: 'Always "ok".' })
  readonly status!: 'ok';
}
