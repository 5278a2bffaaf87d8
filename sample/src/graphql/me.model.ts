import { Field, ObjectType } from '@nestjs/graphql';

/** `query { me { username roles scheme } }`: who is calling, as `GET /me` answers it. */
@ObjectType('Me', { description: 'Who is calling, and through which scheme.' })
export class MeModel {
  @Field(() => String)
  readonly username!: string;

  @Field(() => [String])
  readonly roles!: readonly string[];

  @Field(() => String, { description: '"bearer" or "basic".' })
  readonly scheme!: string;
}
