import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const KEY_PATTERN = /^[a-z_*]+(\.[a-z_*]+)*$/;

/** Which events to re-queue: one `eventId`, or `status: "dead"`, or a key pattern and/or time range. */
export class ReplayRequest {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  eventId?: string;

  @IsOptional()
  @IsIn(['dead'])
  status?: 'dead';

  @IsOptional()
  @Matches(KEY_PATTERN, { message: 'key must be an event key or pattern such as charge.*' })
  key?: string;

  @IsOptional()
  @IsISO8601()
  since?: string;

  @IsOptional()
  @IsISO8601()
  until?: string;

  /** Also re-run processed and ignored events, and every handler, not only the failed ones. */
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class ListEventsQuery {
  @IsOptional()
  @IsIn(['pending', 'processing', 'processed', 'failed', 'dead', 'ignored'])
  status?: 'pending' | 'processing' | 'processed' | 'failed' | 'dead' | 'ignored';

  @IsOptional()
  @Matches(KEY_PATTERN, { message: 'key must be an event key or pattern such as charge.*' })
  key?: string;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
